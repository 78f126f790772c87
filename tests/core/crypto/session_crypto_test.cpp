// SPDX-License-Identifier: GPL-3.0-or-later
// The v2 session's primitives against their RFCs' own test vectors.
#include "core/crypto/session_crypto.h"

#include <catch2/catch.hpp>

#include "core/crypto/gcrypt_util.h"

using namespace nlchat;

namespace {

std::string unhex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

std::string range(int from, int to) {
    std::string out;
    for (int c = from; c < to; ++c) out += static_cast<char>(c);
    return out;
}

}  // namespace

TEST_CASE("X25519 matches RFC 7748 section 5.2 and 6.1", "[v2][crypto]") {
    // 5.2: one scalar multiplication of an arbitrary point.
    CHECK(to_hex(*x25519_shared(unhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                                unhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))) ==
          "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    // 6.1: Alice and Bob.
    const std::string alice = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const std::string bob = unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    CHECK(to_hex(x25519_public(alice)) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    CHECK(to_hex(x25519_public(bob)) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const std::string shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    CHECK(to_hex(*x25519_shared(alice, x25519_public(bob))) == shared);
    CHECK(to_hex(*x25519_shared(bob, x25519_public(alice))) == shared);
}

TEST_CASE("X25519 refuses a low-order point and a key of the wrong size", "[v2][crypto]") {
    const X25519KeyPair mine = x25519_keypair();
    CHECK(mine.public_key.size() == 32);
    CHECK(x25519_shared(mine.secret, std::string(32, '\0')) == std::nullopt);  // the point 0
    std::string one(32, '\0');
    one[0] = 1;
    CHECK(x25519_shared(mine.secret, one) == std::nullopt);  // order 1
    CHECK(x25519_shared(mine.secret, std::string(31, 'x')) == std::nullopt);
    // Two fresh pairs agree.
    const X25519KeyPair theirs = x25519_keypair();
    CHECK(x25519_shared(mine.secret, theirs.public_key) == x25519_shared(theirs.secret, mine.public_key));
    CHECK(mine.secret != theirs.secret);
}

TEST_CASE("HKDF-SHA-256 matches RFC 5869 appendix A, cases 1 to 3", "[v2][crypto]") {
    SECTION("case 1") {
        const std::string prk = hkdf_sha256_extract(range(0, 13), std::string(22, '\x0b'));
        CHECK(to_hex(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        CHECK(to_hex(hkdf_sha256_expand(prk, unhex("f0f1f2f3f4f5f6f7f8f9"), 42)) ==
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }
    SECTION("case 2: long inputs") {
        const std::string prk = hkdf_sha256_extract(range(0x60, 0xb0), range(0, 0x50));
        CHECK(to_hex(prk) == "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
        CHECK(to_hex(hkdf_sha256_expand(prk, range(0xb0, 0x100), 82)) ==
              "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
              "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
    }
    SECTION("case 3: no salt, no info") {
        CHECK(to_hex(hkdf_sha256_extract("", std::string(22, '\x0b'))) ==
              "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
        CHECK(to_hex(hkdf_sha256("", std::string(22, '\x0b'), "", 42)) ==
              "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }
}

TEST_CASE("ChaCha20-Poly1305 matches RFC 8439 section 2.8.2, and refuses any change", "[v2][crypto]") {
    Aead aead(range(0x80, 0xa0));
    const std::string nonce = unhex("070000004041424344454647");
    const std::string aad = unhex("50515253c0c1c2c3c4c5c6c7");
    const std::string text =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
        "would be it.";
    const std::string sealed = aead.seal(nonce, aad, text);
    CHECK(to_hex(sealed) ==
          "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a"
          "9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9d"
          "e576d26586cec64b6116"
          "1ae10b594f09e26a7e902ecbd0600691");
    CHECK(aead.open(nonce, aad, sealed) == text);
    // Every single-bit change of the sealed text, the data or the nonce is refused.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string bad = sealed;
        bad[i] = static_cast<char>(bad[i] ^ (1 << (i % 8)));
        INFO("byte " << i);
        CHECK(aead.open(nonce, aad, bad) == std::nullopt);
    }
    std::string bad_aad = aad;
    bad_aad[0] ^= 1;
    CHECK(aead.open(nonce, bad_aad, sealed) == std::nullopt);
    std::string bad_nonce = nonce;
    bad_nonce[11] ^= 1;
    CHECK(aead.open(bad_nonce, aad, sealed) == std::nullopt);
    CHECK(aead.open(nonce, aad, sealed.substr(0, 15)) == std::nullopt);  // shorter than a tag
    CHECK(aead.open(nonce, aad, "") == std::nullopt);
    // The handle is reused frame after frame: still right after a refusal.
    CHECK(aead.open(nonce, aad, sealed) == text);
}
