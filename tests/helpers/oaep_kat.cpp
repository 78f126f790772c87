// SPDX-License-Identifier: GPL-3.0-or-later
// Test helper for the OAEP known-answer test: encrypts one block with a given seed, so
// the Python test can compare our ciphertext with PyCryptodome's for the same seed.
//
//   oaep-kat PUBFILE SEED_HEX MESSAGE_HEX   ->   ciphertext hex on stdout
#include <cstdio>
#include <iostream>
#include <string>

#include "core/crypto/key_file.h"

namespace {

std::string from_hex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: oaep-kat PUBFILE SEED_HEX MESSAGE_HEX\n";
        return 2;
    }
    std::string error;
    auto key = nlchat::load_public_key(argv[1], error);
    if (!key) {
        std::cerr << "oaep-kat: " << error << "\n";
        return 2;
    }
    std::string ct = key->encrypt_block_with_seed(from_hex(argv[3]), from_hex(argv[2]));
    for (unsigned char c : ct) std::printf("%02x", c);
    std::printf("\n");
    return 0;
}
