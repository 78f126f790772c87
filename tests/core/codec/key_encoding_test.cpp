// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/key_encoding.h"

#include <catch2/catch.hpp>

#include "core/codec/der.h"
#include "core/codec/pem.h"
#include "core/crypto/rsa_key.h"
#include "tests/core/test_keys.h"

using namespace nlchat;

namespace {

// Splits the PKCS#1 RSAPrivateKey of a PEM into its nine INTEGER contents.
std::vector<std::string> private_integers(const std::string& pem) {
    std::string error;
    auto block = pem_decode(pem, error);
    REQUIRE(block);
    der::Reader outer(block->der);
    std::string_view seq, c;
    REQUIRE(outer.read(der::kSequence, seq));
    der::Reader r(seq);
    std::vector<std::string> out;
    while (r.read(der::kInteger, c)) out.emplace_back(c);
    REQUIRE(out.size() == 9);
    return out;
}

std::string pkcs1_from_integers(const std::vector<std::string>& ints) {
    std::string body;
    for (const auto& i : ints) body += der::tlv(der::kInteger, i);
    return der::tlv(der::kSequence, body);
}

std::string algorithm() {
    return der::tlv(der::kSequence, der::tlv(der::kOid, der::kRsaEncryptionOid) + der::tlv(der::kNull, ""));
}

}  // namespace

TEST_CASE("the SPKI encoding has the rsaEncryption layout", "[keys]") {
    const PublicKey& pub = test::key_2048().public_key();
    const std::string& der = pub.spki_der();
    // SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING ... }: 294 bytes at 2048 bits.
    CHECK(der.size() == 294);
    CHECK(der.substr(0, 4) == "\x30\x82\x01\x22");
    CHECK(der.find(std::string(der::kRsaEncryptionOid)) == 8);
}

TEST_CASE("PKCS#1 private keys store qInv = prime2^-1 mod prime1", "[keys]") {
    auto ints = private_integers(test::key_2048().to_pem());
    crypto_init();
    Mpi p1 = mpi_from_bytes(ints[4]), p2 = mpi_from_bytes(ints[5]), qinv = mpi_from_bytes(ints[8]);
    Mpi product(gcry_mpi_new(0));
    gcry_mpi_mulm(product.get(), p2.get(), qinv.get(), p1.get());
    CHECK(gcry_mpi_cmp_ui(product.get(), 1) == 0);
}

TEST_CASE("a PKCS#1 key with its primes the other way round still loads and works", "[keys]") {
    auto ints = private_integers(test::key_2048().to_pem());
    std::swap(ints[4], ints[5]);  // prime1 <-> prime2
    std::swap(ints[6], ints[7]);  // exponent1 <-> exponent2
    Mpi p1 = mpi_from_bytes(ints[4]), p2 = mpi_from_bytes(ints[5]), qinv(gcry_mpi_new(0));
    REQUIRE(gcry_mpi_invm(qinv.get(), p2.get(), p1.get()));
    ints[8] = mpi_to_der_integer(qinv.get());
    std::string error;
    auto key = PrivateKey::from_pem(pem_encode("RSA PRIVATE KEY", pkcs1_from_integers(ints)), error);
    INFO(error);
    REQUIRE(key);
    CHECK(key->public_key() == test::key_2048().public_key());
    std::string ct = test::key_2048().public_key().encrypt_block("swapped primes");
    CHECK(key->decrypt_block(ct) == std::optional<std::string>("swapped primes"));
}

TEST_CASE("PKCS#8 private keys load", "[keys]") {
    std::string error;
    auto block = pem_decode(test::key_2048().to_pem(), error);
    REQUIRE(block);
    std::string pkcs8 = der::tlv(der::kSequence, der::tlv(der::kInteger, std::string(1, '\0')) + algorithm() +
                                                     der::tlv(der::kOctetString, block->der));
    auto key = PrivateKey::from_pem(pem_encode("PRIVATE KEY", pkcs8), error);
    INFO(error);
    REQUIRE(key);
    CHECK(key->public_key() == test::key_2048().public_key());
}

TEST_CASE("PKCS#1 RSA PUBLIC KEY loads as the same key", "[keys]") {
    const std::string& spki = test::key_2048().public_key().spki_der();
    der::Reader outer(spki);
    std::string_view seq, alg, bits;
    REQUIRE(outer.read(der::kSequence, seq));
    der::Reader r(seq);
    REQUIRE(r.read(der::kSequence, alg));
    REQUIRE(r.read(der::kBitString, bits));
    std::string error;
    auto key = PublicKey::from_pem(pem_encode("RSA PUBLIC KEY", bits.substr(1)), error);
    INFO(error);
    REQUIRE(key);
    CHECK(*key == test::key_2048().public_key());
}

TEST_CASE("damaged and foreign keys are refused with a reason", "[keys]") {
    std::string error;
    // A DSA-style OID where rsaEncryption belongs.
    std::string dsa_alg = der::tlv(der::kSequence, der::tlv(der::kOid, "\x2a\x86\x48\xce\x38\x04\x01"));
    std::string spki = der::tlv(der::kSequence, dsa_alg + der::tlv(der::kBitString, std::string("\x00\x30\x00", 3)));
    CHECK_FALSE(PublicKey::from_pem(pem_encode("PUBLIC KEY", spki), error));
    CHECK(error == "not an RSA public key");

    CHECK_FALSE(PublicKey::from_pem(pem_encode("PUBLIC KEY", "\x30\x03\x02\x01\x01"), error));
    CHECK_FALSE(error.empty());

    CHECK_FALSE(PublicKey::from_pem(pem_encode("CERTIFICATE", "\x30\x00"), error));
    CHECK(error.find("not a public key") != std::string::npos);

    // A private key whose d has been altered fails libgcrypt's consistency check.
    auto ints = private_integers(test::key_2048().to_pem());
    ints[3].back() ^= 0x02;
    CHECK_FALSE(PrivateKey::from_pem(pem_encode("RSA PRIVATE KEY", pkcs1_from_integers(ints)), error));
    CHECK(error.find("does not match") != std::string::npos);

    // Multi-prime keys (version 1) are named as such.
    ints = private_integers(test::key_2048().to_pem());
    ints[0] = std::string("\x01", 1);
    CHECK_FALSE(PrivateKey::from_pem(pem_encode("RSA PRIVATE KEY", pkcs1_from_integers(ints)), error));
    CHECK(error.find("multi-prime") != std::string::npos);
}

TEST_CASE("keys below 2048 bits are refused", "[keys]") {
    std::string error;
    CHECK_FALSE(PrivateKey::generate(1024, error));
    CHECK(error.find("1024 bits") != std::string::npos);
    // A 1024-bit modulus in a public key is refused the same way.
    std::string n(128, '\xc1'), e("\x01\x00\x01", 3);
    std::string rsa =
        der::tlv(der::kSequence, der::tlv(der::kInteger, std::string(1, '\0') + n) + der::tlv(der::kInteger, e));
    CHECK_FALSE(PublicKey::from_pem(pem_encode("RSA PUBLIC KEY", rsa), error));
    CHECK(error.find("1024 bits") != std::string::npos);
}

TEST_CASE("public exponents must be odd, at least 3 and below 2^32", "[keys]") {
    // A 2048-bit modulus with the given exponent, as a PKCS#1 public key.
    auto key_with_exponent = [](const std::string& e) {
        std::string n(256, '\xc1');
        std::string rsa =
            der::tlv(der::kSequence, der::tlv(der::kInteger, std::string(1, '\0') + n) + der::tlv(der::kInteger, e));
        return pem_encode("RSA PUBLIC KEY", rsa);
    };
    std::string error;
    CHECK(PublicKey::from_pem(key_with_exponent(std::string("\x01\x00\x01", 3)), error));
    // 2^32 - 1, the largest allowed.
    CHECK(PublicKey::from_pem(key_with_exponent(std::string("\x00\xff\xff\xff\xff", 5)), error));
    // 2^32 + 1: one bit too many. A stranger's huge exponent would make encrypting to it slow.
    CHECK_FALSE(PublicKey::from_pem(key_with_exponent(std::string("\x01\x00\x00\x00\x01", 5)), error));
    CHECK(error.find("below 2^32") != std::string::npos);
    // Thousands of bits, as an attacker would send.
    CHECK_FALSE(PublicKey::from_pem(key_with_exponent("\x7f" + std::string(4000, '\xff')), error));
    CHECK_FALSE(PublicKey::from_pem(key_with_exponent(std::string("\x01\x00\x00", 3)), error));  // even
    CHECK_FALSE(PublicKey::from_pem(key_with_exponent(std::string("\x01", 1)), error));          // 1
}
