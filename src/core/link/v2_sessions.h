// SPDX-License-Identifier: GPL-3.0-or-later
// nlchatd's v2 sessions (HACKING.md, "The v2 session"): one per operator UUID, kept
// across its connections while the dispatch keeps the operator (its grace period), so
// that a client that redials resumes it and nothing sent either way is lost or taken
// twice; forgotten with the operator, so no session outlives the chats it carried. The
// protocol itself is core/link/v2_link.h's; this file only keeps the sessions, ties them
// to connections, and says when acknowledgements may go (after the journal's commit of
// the same loop turn).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/conn_id.h"
#include "core/link/v2_link.h"

namespace nlchat {

class V2Sessions {
public:
    // A client on `conn` passed the challenge with this offer: the session switches to
    // it (resumed when the client names it). The answer and the lines to write after it,
    // or nothing when the offer is unusable.
    std::optional<V2Endpoint::Switch> answer(ConnId conn, const std::string& uuid, const V2Offer& offer,
                                             const std::string& challenge, const std::string& client_fp,
                                             const std::string& server_fp, double now);
    // The same for a `resume` whose MAC held under the operator's ticket `secret`.
    std::optional<V2Endpoint::Switch> answer_resumed(ConnId conn, const ResumeHello& hello, const std::string& secret,
                                                     const std::string& nonce, const std::string& client_fp,
                                                     const std::string& server_fp, double now);
    // The session on this connection, if it has switched.
    V2Endpoint* on(ConnId conn);
    // Whether answer() would resume the operator's session for this offer.
    bool would_resume(const std::string& uuid, const V2Offer& offer) const {
        auto it = sessions_.find(uuid);
        return it != sessions_.end() && it->second.endpoint.would_resume(offer);
    }
    // The connection is gone: its session waits for the client to come back.
    void closed(ConnId conn, double now);
    // The operator is gone (its grace ended, it said disconnect, its key was revoked):
    // its session cannot be resumed.
    void forget(const std::string& uuid);

    // A frame with a command in it was taken on `conn`: it waits for the next commit
    // before it is acknowledged, by the next frame or a bare acknowledgement if nothing
    // else carries it soon. Every such frame alike, a probeACK too, as
    // nlchat-protocol(7) says: a peer may watch what it has in flight (to show lines
    // delivered, to tell a stuck link), and one exception is one more thing to get wrong.
    void taken(ConnId conn) { unconfirmed_.insert(conn); }
    // The turn's commit is done: everything taken so far may be acknowledged. Returns
    // the connections that owe an acknowledgement (to send after a quiet moment).
    std::vector<ConnId> confirm();

    std::size_t size() const { return sessions_.size(); }

private:
    // Moves the operator's session to `conn` and has `answer` switch it.
    template <class F>
    std::optional<V2Endpoint::Switch> switch_on(ConnId conn, const std::string& uuid, double now, F answer);

    struct Entry {
        V2Endpoint endpoint{false};
        std::optional<ConnId> conn;
        double gone_since = 0;
    };
    // Looked up for every frame in and out (10,000 idle operators: 3,000 a second), so
    // hashed; an entry's address is stable, and one with a connection is never erased.
    std::unordered_map<std::string, Entry> sessions_;  // by operator UUID
    std::unordered_map<ConnId, Entry*> by_conn_;
    std::set<ConnId> unconfirmed_;  // taken frames not yet confirmed, by connection
};

}  // namespace nlchat
