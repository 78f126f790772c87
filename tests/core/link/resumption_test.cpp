// SPDX-License-Identifier: GPL-3.0-or-later
// Rejoining without RSA (core/link/resumption.h): the resume line's parsing and limits,
// what its MAC covers, and nlchatd's tickets (issue, find, forget, expiry, the file).
#include "core/link/resumption.h"

#include <catch2/catch.hpp>

#include "core/codec/base64.h"
#include "core/codec/json_util.h"

namespace nlchat {
namespace {

ResumeHello sample() {
    return ResumeHello{"op", std::string(16, 's'), std::string(32, 'e'), 7, 2, std::string(32, 'm')};
}

}  // namespace

TEST_CASE("a resume line is read back as written, and a bad one is not read", "[resumption]") {
    const Json::Value line = resume_hello_json(sample());
    auto back = parse_resume_hello(line);
    REQUIRE(back);
    CHECK(back->uuid == "op");
    CHECK(back->sid == std::string(16, 's'));
    CHECK(back->took == 7);
    CHECK(back->chats == 2);
    CHECK(back->mac == std::string(32, 'm'));
    for (const char* field : {"sid", "epk", "mac"}) {
        Json::Value bad = line;
        bad[field] = base64_encode("short");
        CHECK_FALSE(parse_resume_hello(bad));
        bad.removeMember(field);
        CHECK_FALSE(parse_resume_hello(bad));
    }
    Json::Value bad = line;
    bad["took"] = -1;
    CHECK_FALSE(parse_resume_hello(bad));
    bad = line;
    bad["UUID"] = std::string(129, 'u');
    CHECK_FALSE(parse_resume_hello(bad));
    bad = line;
    bad["chats"] = "two";
    CHECK_FALSE(parse_resume_hello(bad));
    bad = line;
    bad["type"] = "key";
    CHECK_FALSE(parse_resume_hello(bad));
}

TEST_CASE("the resume MAC covers every field, the nonce and both keys", "[resumption]") {
    const std::string secret(32, 'k'), nonce(16, 'n');
    const ResumeHello h = sample();
    const std::string mac = resume_hello_mac(secret, h, nonce, "client", "server");
    CHECK(mac.size() == 32);
    CHECK(same_mac(mac, resume_hello_mac(secret, h, nonce, "client", "server")));
    auto differs = [&](ResumeHello other, std::string n = std::string(16, 'n'), std::string c = "client",
                       std::string s = "server", std::string k = std::string(32, 'k')) {
        return !same_mac(mac, resume_hello_mac(k, other, n, c, s));
    };
    ResumeHello x = h;
    x.uuid = "oq";
    CHECK(differs(x));
    x = h, x.sid[0] = 't';
    CHECK(differs(x));
    x = h, x.epk[31] = 'f';
    CHECK(differs(x));
    x = h, x.took = 8;
    CHECK(differs(x));
    x = h, x.chats.reset();
    CHECK(differs(x));
    x = h, x.mac = std::string(32, 'z');  // the MAC field itself is not covered
    CHECK_FALSE(differs(x));
    CHECK(differs(h, std::string(16, 'o')));
    CHECK(differs(h, nonce, "other client"));
    CHECK(differs(h, nonce, "client", "other server"));
    CHECK(differs(h, nonce, "client", "server", std::string(32, 'j')));
    CHECK_FALSE(same_mac(mac, mac.substr(0, 31)));
}

TEST_CASE("tickets: one per operator, the newest retires the one before, and they expire", "[resumption]") {
    TicketBook book(100);
    std::vector<Json::Value> file;
    file.push_back(book.issue("op", std::string(16, 'a'), std::string(32, '1'), "PEM", 1000));
    file.push_back(book.issue("op", std::string(16, 'a'), std::string(32, '2'), "PEM", 1010));
    file.push_back(book.issue("op2", std::string(16, 'b'), std::string(32, '3'), "PEM2", 1010));
    REQUIRE(book.find("op", 1020));
    CHECK(book.find("op", 1020)->secret == std::string(32, '2'));
    CHECK(book.find("op", 1109));
    CHECK_FALSE(book.find("op", 1110));  // its lifetime is over
    CHECK_FALSE(book.find("nobody", 1020));
    file.push_back(book.forget("op2"));
    CHECK(book.forget("op2").isNull());  // nothing left to forget
    CHECK_FALSE(book.find("op2", 1020));
    // The file read back gives the same book; a rewrite keeps only the live tickets.
    TicketBook again(100);
    CHECK(again.restore(file, 1020) == 1);
    CHECK(again.find("op", 1020)->secret == std::string(32, '2'));
    CHECK(again.snapshot(1020).size() == 1);
    CHECK(again.snapshot(1200).empty());
    TicketBook late(100);
    CHECK(late.restore(file, 1200) == 0);
    // Unreadable records are left out, not trusted.
    Json::Value bad = file[0];
    bad["secret"] = base64_encode("short");
    TicketBook careful(100);
    CHECK(careful.restore({bad, Json::Value("junk")}, 1000) == 0);
}

}  // namespace nlchat
