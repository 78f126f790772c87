// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for key parsing: the server reads public keys in PEM from every `key`
// command, so the PEM, DER and key checks must survive any text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/crypto/rsa_key.h"

using namespace nlchat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto pub = public_key_from_any_pem(text, error);
    if (pub) {
        // A key that loads writes back to PEM that loads as the same key.
        std::string again_error;
        auto again = PublicKey::from_pem(pub->to_pem(), again_error);
        if (!again || *again != *pub) std::abort();
    } else if (error.empty()) {
        std::abort();
    }
    return 0;
}
