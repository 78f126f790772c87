// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/crypto/gcrypt_util.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("MPIs round-trip through big-endian bytes", "[gcrypt]") {
    crypto_init();
    Mpi m = mpi_from_bytes(std::string("\x01\x02\x03", 3));
    CHECK(mpi_to_bytes(m.get()) == std::string("\x01\x02\x03", 3));
    CHECK(mpi_to_bytes(m.get(), 5) == std::string("\x00\x00\x01\x02\x03", 5));
    Mpi zero = mpi_from_bytes("");
    CHECK(mpi_to_bytes(zero.get()).empty());
}

TEST_CASE("DER integer content gets a zero byte when the top bit is set", "[gcrypt]") {
    crypto_init();
    CHECK(mpi_to_der_integer(mpi_from_bytes("\x7f").get()) == "\x7f");
    CHECK(mpi_to_der_integer(mpi_from_bytes("\x80").get()) == std::string("\x00\x80", 2));
    CHECK(mpi_to_der_integer(mpi_from_bytes("").get()) == std::string("\x00", 1));
}

TEST_CASE("sha256 matches the FIPS 180-2 test vector", "[gcrypt]") {
    crypto_init();
    std::string d = sha256("abc");
    REQUIRE(d.size() == 32);
    CHECK(static_cast<unsigned char>(d[0]) == 0xba);
    CHECK(static_cast<unsigned char>(d[1]) == 0x78);
    CHECK(static_cast<unsigned char>(d[31]) == 0xad);
}
