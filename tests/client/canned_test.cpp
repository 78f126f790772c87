// SPDX-License-Identifier: GPL-3.0-or-later
#include "client/canned.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

using namespace nlchat;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/nlchat-canned-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

}  // namespace

TEST_CASE("canned responses: one per file, sorted, titled by name", "[canned]") {
    TempDir d;
    std::ofstream(d.path + "/2_sign_off.txt") << "Thanks for talking tonight. Take care.\n";
    std::ofstream(d.path + "/1_welcome.txt") << "Hi, you're through to Nightline.\nWhat's on your mind?\n";
    std::ofstream(d.path + "/.hidden") << "not shown";
    std::ofstream(d.path + "/bad.txt") << "caf\xe9";
    std::ofstream(d.path + "/huge.txt") << std::string(20000, 'x');
    CannedLoad c = load_canned(d.path);
    REQUIRE(c.responses.size() == 2);
    CHECK(c.responses[0].first == "1 welcome");
    CHECK(c.responses[0].second == "Hi, you're through to Nightline.\nWhat's on your mind?");
    CHECK(c.responses[1].first == "2 sign off");
    CHECK(c.warnings.size() == 2);
}

TEST_CASE("no canned directory is not an error", "[canned]") {
    CannedLoad c = load_canned("/nonexistent/nlchat/canned");
    CHECK(c.responses.empty());
    CHECK(c.warnings.empty());
}
