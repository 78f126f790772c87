// SPDX-License-Identifier: GPL-3.0-or-later
#include "test_keys.h"

#include <stdexcept>

namespace nlchat::test {
namespace {

PrivateKey make(unsigned bits) {
    std::string error;
    auto key = PrivateKey::generate(bits, error);
    if (!key) throw std::runtime_error("test key generation failed: " + error);
    return *key;
}

}  // namespace

const PrivateKey& key_2048() {
    static const PrivateKey key = make(2048);
    return key;
}

const PrivateKey& other_key_2048() {
    static const PrivateKey key = make(2048);
    return key;
}

const PrivateKey& key_4096() {
    static const PrivateKey key = make(4096);
    return key;
}

}  // namespace nlchat::test
