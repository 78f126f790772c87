// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/codec/pem.h"

#include <catch2/catch.hpp>

using namespace nlchat;

TEST_CASE("PEM is written in 64-column lines without a trailing newline", "[pem]") {
    std::string der(100, '\x42');
    std::string pem = pem_encode("PUBLIC KEY", der);
    CHECK(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0);
    CHECK(pem.substr(pem.size() - 24) == "-----END PUBLIC KEY-----");
    size_t first_nl = pem.find('\n');
    size_t second_nl = pem.find('\n', first_nl + 1);
    CHECK(second_nl - first_nl - 1 == 64);
    std::string error;
    auto back = pem_decode(pem, error);
    REQUIRE(back);
    CHECK(back->label == "PUBLIC KEY");
    CHECK(back->der == der);
}

TEST_CASE("PEM reading accepts CRLF and surrounding text", "[pem]") {
    std::string text =
        "comment\r\n-----BEGIN RSA PRIVATE KEY-----\r\nQUJD\r\nREVG\r\n-----END RSA PRIVATE KEY-----\r\n";
    std::string error;
    auto block = pem_decode(text, error);
    REQUIRE(block);
    CHECK(block->label == "RSA PRIVATE KEY");
    CHECK(block->der == "ABCDEF");
}

TEST_CASE("PEM reading explains what is wrong", "[pem]") {
    std::string error;
    CHECK_FALSE(pem_decode("ssh-rsa AAAAB3NzaC1yc2E user@host", error));
    CHECK(error.find("no PEM block") != std::string::npos);
    CHECK_FALSE(pem_decode("-----BEGIN PUBLIC KEY-----\nQUJD\n", error));
    CHECK(error.find("no matching END") != std::string::npos);
    CHECK_FALSE(pem_decode(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n-----END RSA PRIVATE KEY-----", error));
    CHECK(error.find("encrypted") != std::string::npos);
    CHECK_FALSE(pem_decode("-----BEGIN PUBLIC KEY-----\nQU!D\n-----END PUBLIC KEY-----", error));
    CHECK(error.find("base64") != std::string::npos);
}
