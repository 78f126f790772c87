// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/rsa_key.h"

#include <catch2/catch.hpp>

#include "tests/core/test_keys.h"

using namespace nlchat;

TEST_CASE("key sizes give the protocol's block sizes", "[rsa]") {
    CHECK(test::key_2048().public_key().bits() == 2048);
    CHECK(test::key_2048().public_key().block_bytes() == 256);
    CHECK(test::key_2048().public_key().max_plain_bytes() == 214);
    CHECK(test::key_4096().public_key().bits() == 4096);
    CHECK(test::key_4096().public_key().block_bytes() == 512);
    CHECK(test::key_4096().public_key().max_plain_bytes() == 470);
}

TEST_CASE("OAEP blocks decrypt to what was encrypted, at both sizes", "[rsa]") {
    for (const PrivateKey* key : {&test::key_2048(), &test::key_4096()}) {
        const PublicKey& pub = key->public_key();
        for (size_t len : {size_t(1), size_t(100), pub.max_plain_bytes()}) {
            std::string plain(len, '\0');
            for (size_t i = 0; i < len; ++i) plain[i] = static_cast<char>(i * 7 + 3);
            std::string ct = pub.encrypt_block(plain);
            CHECK(ct.size() == pub.block_bytes());
            CHECK(key->decrypt_block(ct) == std::optional<std::string>(plain));
        }
    }
}

TEST_CASE("OAEP is randomised unless a seed is given", "[rsa]") {
    const PublicKey& pub = test::key_2048().public_key();
    CHECK(pub.encrypt_block("same") != pub.encrypt_block("same"));
    std::string seed(20, '\x5a');
    CHECK(pub.encrypt_block_with_seed("same", seed) == pub.encrypt_block_with_seed("same", seed));
    CHECK(test::key_2048().decrypt_block(pub.encrypt_block_with_seed("same", seed)) ==
          std::optional<std::string>("same"));
}

TEST_CASE("blocks of the wrong size are refused before encryption", "[rsa]") {
    const PublicKey& pub = test::key_2048().public_key();
    CHECK_THROWS_AS(pub.encrypt_block(""), std::invalid_argument);
    CHECK_THROWS_AS(pub.encrypt_block(std::string(215, 'x')), std::invalid_argument);
}

TEST_CASE("decryption fails the same way for every kind of bad ciphertext", "[rsa]") {
    const PrivateKey& key = test::key_2048();
    std::string good = key.public_key().encrypt_block("hello");
    std::string flipped = good;
    flipped[100] ^= 1;
    std::string other = test::other_key_2048().public_key().encrypt_block("hello");
    std::string above(256, '\xff');  // not below the modulus
    CHECK_FALSE(key.decrypt_block(flipped));
    CHECK_FALSE(key.decrypt_block(other));
    CHECK_FALSE(key.decrypt_block(above));
    CHECK_FALSE(key.decrypt_block(good.substr(1)));
    CHECK_FALSE(key.decrypt_block(good + "x"));
    CHECK_FALSE(key.decrypt_block(""));
}

TEST_CASE("PEM round trips keep keys and fingerprints", "[rsa]") {
    std::string error;
    const PrivateKey& key = test::key_2048();
    auto priv = PrivateKey::from_pem(key.to_pem(), error);
    REQUIRE(priv);
    CHECK(priv->to_pem() == key.to_pem());
    auto pub = PublicKey::from_pem(key.public_key().to_pem(), error);
    REQUIRE(pub);
    CHECK(*pub == key.public_key());
    CHECK(pub->to_pem() == key.public_key().to_pem());
    CHECK(pub->fingerprint() == key.public_key().fingerprint());
    CHECK(test::other_key_2048().public_key() != key.public_key());
    auto from_private = public_key_from_any_pem(key.to_pem(), error);
    REQUIRE(from_private);
    CHECK(*from_private == key.public_key());
}

TEST_CASE("a fingerprint is SHA256: and 43 characters of unpadded base64", "[rsa]") {
    std::string fp = test::key_2048().public_key().fingerprint();
    CHECK(fp.rfind("SHA256:", 0) == 0);
    CHECK(fp.size() == 7 + 43);
    CHECK(fp.find('=') == std::string::npos);
    CHECK(fp != test::other_key_2048().public_key().fingerprint());
}
