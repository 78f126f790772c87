// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/gcrypt_util.h"

#include <mutex>
#include <stdexcept>

namespace nlchat {

void crypto_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (!gcry_check_version("1.10.0")) throw std::runtime_error("libgcrypt 1.10.0 or newer is required");
        // Secret MPIs live in a locked pool. Without the privilege to lock memory libgcrypt
        // falls back to ordinary memory; its warning would only confuse operators, so it is
        // silenced. 256 KiB holds several 8192-bit keys at work at once (the libuv pool
        // decrypts on up to four threads); should it still run out, it grows rather than
        // have libgcrypt abort the process.
        gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
        gcry_control(GCRYCTL_INIT_SECMEM, 1 << 18, 0);
        gcry_control(GCRYCTL_AUTO_EXPAND_SECMEM, 1 << 18, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    });
}

std::string mpi_to_bytes(gcry_mpi_t m, size_t width) {
    unsigned char* buf = nullptr;
    size_t len = 0;
    if (gcry_mpi_aprint(GCRYMPI_FMT_USG, &buf, &len, m) != 0) throw std::runtime_error("gcry_mpi_aprint failed");
    std::string out(reinterpret_cast<char*>(buf), len);
    gcry_free(buf);
    // libgcrypt prints zero as one zero byte; an empty string is the cleaner form.
    if (out.size() == 1 && out[0] == 0) out.clear();
    if (out.size() < width) out.insert(0, width - out.size(), '\0');
    return out;
}

Mpi mpi_from_bytes(std::string_view bytes) {
    gcry_mpi_t m = nullptr;
    if (bytes.empty()) return Mpi(gcry_mpi_new(0));
    if (gcry_mpi_scan(&m, GCRYMPI_FMT_USG, bytes.data(), bytes.size(), nullptr) != 0)
        throw std::runtime_error("gcry_mpi_scan failed");
    return Mpi(m);
}

std::string mpi_to_der_integer(gcry_mpi_t m) {
    std::string bytes = mpi_to_bytes(m);
    if (bytes.empty() || (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(0, 1, '\0');
    return bytes;
}

std::string sha256(std::string_view data) {
    std::string out(32, '\0');
    gcry_md_hash_buffer(GCRY_MD_SHA256, out.data(), data.data(), data.size());
    return out;
}

std::string random_bytes(size_t bytes) {
    crypto_init();
    std::string out(bytes, '\0');
    gcry_randomize(out.data(), bytes, GCRY_STRONG_RANDOM);
    return out;
}

std::string to_hex(std::string_view bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string gcrypt_error(gcry_error_t err) { return gcry_strerror(err); }

}  // namespace nlchat
