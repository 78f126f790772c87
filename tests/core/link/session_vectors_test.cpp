// SPDX-License-Identifier: GPL-3.0-or-later
// The test vectors of nlchat-protocol(7), THE V2 SESSION, "Test vectors": a handshake
// from fixed X25519 secrets and its first frames, computed here with the code nlchat and
// nlchatd run and compared with the values the manual prints (copied below). The manual's
// copy is checked on its own by tests/core/link/test_session_vectors.py, which parses it
// out of the page and recomputes every value with an implementation of its own, so the
// code, these constants and the manual cannot drift apart unnoticed.
#include <catch2/catch.hpp>

#include "core/codec/base64.h"
#include "core/codec/command.h"
#include "core/codec/json_util.h"
#include "core/crypto/gcrypt_util.h"
#include "core/crypto/session_crypto.h"
#include "core/link/session_frames.h"
#include "core/link/v2_link.h"

using namespace nlchat;

namespace {

std::string unhex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

// The inputs. The ephemeral secrets are RFC 7748's (section 6.1), so that a reader can
// check the X25519 step there too; the nonce is the base64 of the bytes 0 to 31, shaped
// like nlchatd's.
const std::string kClientSecret = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const std::string kServerSecret = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const std::string kUuid = "3f2a8c1e-5b7d-4e90-a6c4-0d9e8f7a6b5c";
const std::string kNonce = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const std::string kClientFp = "SHA256:HgJdK8wwzgz6lLO5U0tEKg9StWcpb4tkjibPlzZkHl0";
const std::string kServerFp = "SHA256:crIqtgg/kKld3QnfJIyhX8jY1b4KQnuESktEm2J9vC0";

// What the manual prints.
const std::string kClientPublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const std::string kServerPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const std::string kOffer = R"({"epk":"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=","took":0})";
const std::string kTranscript =
    "6e6c63686174207632207472616e736372697074"
    "00000020"
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    "00000020"
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    "00000024"
    "33663261386331652d356237642d346539302d613663342d306439653866376136623563"
    "0000002c"
    "41414543417751464267634943516f4c4441304f4478415245684d554652595847426b61477877644868383d"
    "00000032"
    "5348413235363a48674a644b3877777a677a366c4c4f35553074454b673953745763706234746b6a6962506c7a5a6b486c30"
    "00000032"
    "5348413235363a637249717467672f6b4b6c6433516e664a49796858386a593162344b516e7545536b74456d324a39764330";
const std::string kTranscriptHash = "4f89af80775e5a17730d5f2a9c2f8f1278b9c1510358dc49edfa650fc5049617";
const std::string kShared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
const std::string kPrk = "13d6a942cbc077515ea9126df8c3cb64836ba65c0209c46a29fe53101f25852f";
const std::string kClientToServer = "2a4f8b36e9e3ea1d98a0109cad82a06a5eb595ff083fc81016f925adfdaf8064";
const std::string kServerToClient = "4d12d24bfcc25927518c5da56357c78108a6a88ce98102f58b14b982b504edb3";
const std::string kSessionId = "1f584fd96312556d969d2141439177ac";
const std::string kAnswer =
    R"({"UUID":"3f2a8c1e-5b7d-4e90-a6c4-0d9e8f7a6b5c","epk":"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=",)"
    R"("resumed":false,"sid":"H1hP2WMSVW2WnSFBQ5F3rA==","took":0,"type":"v2"})";

// The frames: the server's first (a status), the client's first (a line of the operator's
// in chat 1), and the server's bare acknowledgement of it.
const std::string kStatusInner = R"({"chats":4,"services":[{"name":"Web","status":"Connected"}],"type":"status"})";
const std::string kMsgInner =
    R"({"I/O":"out","UUID":"3f2a8c1e-5b7d-4e90-a6c4-0d9e8f7a6b5c","chat":1,"line":1,"msg":["Hello"],"type":"msg"})";
const std::string kStatusNonce = "000000010000000000000001";
const std::string kMsgNonce = "000000000000000000000001";
const std::string kBareAckNonce = "000000010000000000000002";
const std::string kStatusFrame =
    R"({"v2":"AAAAAAAAAAEAAAAAAAAAACBnGHdl6z2R6wi5AOh6z4CRr8JFHHP5i9ENAOTZUGQ+ib5Xub9EpqZPrl5+oVa8NgCgGQ7nM1tEkC5grFrx02)"
    R"(fnzIbbgAzX1SnY4F6TvxkANzlkjDMJnIeqyV2L"})";
const std::string kMsgFrame =
    R"({"v2":"AAAAAAAAAAEAAAAAAAAAAYIAgHJvArDlKhqEQ47DmAH4O5DuQFo5cvWpRKjUuyTVdPIozS6mKFqeV78xApBgzluvclvLCMTrWXDdqbpj)"
    R"(c97hzBJm+AOmeQ4noDGhYYzKXvch1XQyfo1uO4OkQe2t+zLy5cnR7be7CxEjeTrRNP2LZhp5NQ1k4CcD"})";
const std::string kBareAckFrame = R"({"v2":"AAAAAAAAAAIAAAAAAAAAAc3tuMYS7K3mHNgq4xDI4u4="})";

SessionTranscript transcript() {
    return SessionTranscript{unhex(kClientPublic), unhex(kServerPublic), kUuid, kNonce, kClientFp, kServerFp};
}

}  // namespace

TEST_CASE("the manual's test vectors: the handshake and its keys", "[v2][vectors]") {
    CHECK(to_hex(x25519_public(unhex(kClientSecret))) == kClientPublic);
    CHECK(to_hex(x25519_public(unhex(kServerSecret))) == kServerPublic);
    CHECK(write_json(v2_offer_json(V2Offer{unhex(kClientPublic), "", 0})) == kOffer);
    // Both ends get the same secret.
    CHECK(to_hex(*x25519_shared(unhex(kClientSecret), unhex(kServerPublic))) == kShared);
    CHECK(to_hex(*x25519_shared(unhex(kServerSecret), unhex(kClientPublic))) == kShared);
    // The code hashes the transcript without showing its bytes: the manual's bytes must
    // hash to what it hashes.
    CHECK(to_hex(sha256(unhex(kTranscript))) == kTranscriptHash);
    CHECK(to_hex(transcript_hash(transcript())) == kTranscriptHash);
    CHECK(to_hex(hkdf_sha256_extract(unhex(kTranscriptHash), unhex(kShared))) == kPrk);
    const SessionKeys keys = derive_session_keys(unhex(kShared), transcript());
    CHECK(to_hex(keys.client_to_server) == kClientToServer);
    CHECK(to_hex(keys.server_to_client) == kServerToClient);
    CHECK(to_hex(keys.session_id) == kSessionId);
    CHECK(write_json(v2_answer_json(V2Answer{kUuid, unhex(kServerPublic), keys.session_id, 0, false, {}})) == kAnswer);
}

TEST_CASE("the manual's test vectors: the first frames", "[v2][vectors]") {
    // The inner commands are as nlchatd and nlchat write them.
    CHECK(write_json(to_json(Command{StatusCommand{{ServiceStatus{"Web", "Connected"}}, 4}})) == kStatusInner);
    CHECK(write_json(to_json(Command{MsgCommand{{"Hello"}, Direction::Out, kUuid, 1, 1}})) == kMsgInner);
    CHECK(to_hex(frame_nonce(FrameDirection::ServerToClient, 1)) == kStatusNonce);
    CHECK(to_hex(frame_nonce(FrameDirection::ClientToServer, 1)) == kMsgNonce);
    CHECK(to_hex(frame_nonce(FrameDirection::ServerToClient, 2)) == kBareAckNonce);

    FrameSealer server(unhex(kServerToClient), FrameDirection::ServerToClient);
    FrameSealer client(unhex(kClientToServer), FrameDirection::ClientToServer);
    CHECK(server.seal(Frame{1, 0, kStatusInner}) == kStatusFrame);
    CHECK(client.seal(Frame{1, 1, kMsgInner}) == kMsgFrame);
    CHECK(server.seal(Frame{2, 1, ""}) == kBareAckFrame);

    // And the two ends' streams, fed the handshake's keys, take them as such.
    SessionStream at_client(true), at_server(false);
    const SessionKeys keys = derive_session_keys(unhex(kShared), transcript());
    REQUIRE(at_client.start(keys, 0));
    REQUIRE(at_server.start(keys, 0));
    CHECK(at_server.send(kStatusInner) == kStatusFrame);
    auto r = at_client.receive(kStatusFrame);
    CHECK((r.ok && r.inner == kStatusInner));
    CHECK(at_client.send(kMsgInner) == kMsgFrame);
    r = at_server.receive(kMsgFrame);
    CHECK((r.ok && r.inner == kMsgInner));
    CHECK(at_server.send("") == kBareAckFrame);
    r = at_client.receive(kBareAckFrame);
    CHECK((r.ok && r.inner.empty()));
    CHECK(at_client.unacknowledged() == 0);
}
