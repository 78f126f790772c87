// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatch, what survives a restart: the records it journals as things change, the
// snapshot the journal is rewritten from, and the restore that rebuilds the state.
//
// Records (one JSON object each, kind in "j"); texts are only ever those still waiting
// for delivery, and leave with their chat:
//   {"j":"ring","id":N,"svc":S,"addr":A,"texts":[T...]}  a ring opened (its texts so far)
//   {"j":"ring_text","id":N,"text":T}                    a text added to an open ring
//   {"j":"ring_end","id":N}                              taken, timed out or withdrawn
//   {"j":"chat","op":U,"chat":C,"key":PEM,"svc":S,"addr":A,"reserved":R}
//                                                        a ring taken: the association (and
//                                                        its caller lines' numbers below R)
//   {"j":"lines","op":U,"chat":C,"reserved":R}           more line numbers set aside
//   {"j":"held","op":U,"chat":C,"text":T,"line":N}       a caller text the operator does not
//                                                        have yet: held while it is away, or
//                                                        sent and not yet acknowledged
//   {"j":"delivered","op":U,"chat":C,"upto":N}           ... which it has now, up to line N
//   {"j":"end","op":U,"chat":C}                          the association ended
//   {"j":"took","op":U,"line":N}                         the operator's numbered line N taken
//   {"j":"took_sid","op":U,"sid":S,"reset":B}            ... in the client run whose session is
//                                                        now S (reset: a new run; numbers restart)
//   {"j":"out","svc":S,"id":X,"line":L}                  a line kept for a service: away, or
//                                                        a msg it is to acknowledge
//   {"j":"out_acked","svc":S,"id":X}                     ... which it acknowledged, or got
//   {"j":"seen","svc":S,"id":X}                          a service's msg id taken
// The shift's (nlchat-protocol(7), THE SHIFT); a chat record also carries "started" (wall
// clock), and a ring "rang":
//   {"j":"away","fp":F,"since":T}                        the operator of key F is away
//   {"j":"back","fp":F}                                  ... and back
//   {"j":"support","chat":C,"since":T}                   support asked for in chat C
//   {"j":"support_end","chat":C}                         ... and no longer
#include <algorithm>
#include <limits>
#include <map>

#include "core/dispatch/dispatch.h"

namespace nlchat {
namespace {

bool text_field(const Json::Value& r, const char* name) { return r[name].isString() && !r[name].asString().empty(); }

}  // namespace

Json::Value Dispatch::record(const char* kind, std::initializer_list<std::pair<const char*, Json::Value>> fields) {
    Json::Value r(Json::objectValue);
    r["j"] = kind;
    for (const auto& [name, value] : fields) r[name] = value;
    return r;
}

Json::Value Dispatch::ring_record(std::int64_t id, const Ring& ring) {
    Json::Value texts(Json::arrayValue);
    for (const auto& t : ring.held) texts.append(t);
    return record("ring", {{"id", Json::Int64(id)},
                           {"svc", ring.caller.first},
                           {"addr", ring.caller.second},
                           {"texts", std::move(texts)},
                           {"rang", ring.rang_wall}});
}

Json::Value Dispatch::chat_record(const std::string& uuid, const Operator& op, std::int64_t chat) const {
    // The key goes too: a restarted server knows it when the operator rejoins.
    const CallerKey& caller = op.chats.at(chat);
    auto lines = op.lines.find(chat);
    Json::Value r = record("chat", {{"op", uuid},
                                    {"chat", Json::Int64(chat)},
                                    {"key", op.key.to_pem()},
                                    {"svc", caller.first},
                                    {"addr", caller.second},
                                    {"reserved", Json::Int64(lines == op.lines.end() ? 0 : lines->second.reserved)}});
    auto info = chat_info_.find(chat);
    // When it began, for its figure. (Its counts of hand-overs and requests for support
    // are memory only: one chat record is written per operator of a chat, and a count
    // kept here would disagree with the journal as soon as it changed.)
    if (info != chat_info_.end()) r["started"] = info->second.started_wall;
    return r;
}

Json::Value Dispatch::held_record(const std::string& uuid, std::int64_t chat, const std::string& text,
                                  std::int64_t line) {
    return record("held", {{"op", uuid}, {"chat", Json::Int64(chat)}, {"text", text}, {"line", Json::Int64(line)}});
}

std::vector<Json::Value> Dispatch::snapshot() const {
    std::vector<Json::Value> out;
    for (const auto& [id, ring] : rings_) out.push_back(ring_record(id, ring));
    for (const auto& [uuid, op] : operators_) {
        for (const auto& [chat, caller] : op.chats) out.push_back(chat_record(uuid, op, chat));
        // What the operator does not have yet, in the order it is to be sent again: the
        // texts sent and not acknowledged, then those held.
        // (Only those on disk: a text of a service without acknowledgements, written and
        // not yet receipted, was promised to nobody; were it put here, the receipt that
        // follows would journal nothing to take it back, and a restart would send it
        // again, late and out of order, as the simulation found.)
        for (const auto& u : op.unacked)
            if (u.on_disk && op.chats.count(u.chat)) out.push_back(held_record(uuid, u.chat, u.text, u.line));
        for (const auto& [chat, cmd] : op.held)
            if (const auto* msg = std::get_if<MsgCommand>(&cmd); msg && msg->line && op.chats.count(chat))
                out.push_back(held_record(uuid, chat, msg->msg[0], *msg->line));
        if (!op.took_sid.empty() || op.took.size())
            out.push_back(record("took_sid", {{"op", uuid}, {"sid", op.took_sid}, {"reset", true}}));
        for (const auto& line : op.took.ids())
            out.push_back(record("took", {{"op", uuid}, {"line", Json::Int64(std::stoll(line))}}));
    }
    for (const auto& [name, s] : services_) {
        for (const auto& [id, line] : s.outbox)
            out.push_back(record("out", {{"svc", name}, {"id", id}, {"line", line}}));
        for (const auto& id : s.seen.ids()) out.push_back(record("seen", {{"svc", name}, {"id", id}}));
    }
    for (const auto& [fp, a] : away_) out.push_back(record("away", {{"fp", fp}, {"since", a.since_wall}}));
    for (const auto& [chat, info] : chat_info_)
        if (info.request)
            out.push_back(record("support", {{"chat", Json::Int64(chat)}, {"since", info.request->since_wall}}));
    return out;
}

Dispatch::Restored Dispatch::restore(const std::vector<Json::Value>& records, const Now& now) {
    now_ = now;
    Restored n;
    // Chats and rings as the records leave them; applied to the state at the end.
    // Chats by operator and chat id (0 in a journal written before chat ids).
    struct Chat {
        std::string key;
        CallerKey caller;
        std::vector<std::pair<std::int64_t, std::string>> held;  // line (0: none), text
        std::int64_t reserved = 0, highest = 0;                  // line numbers used so far
        double started = 0;                                      // wall clock (0: unknown)
    };
    std::map<std::int64_t, double> requests;  // support asked for, by chat: since (wall)
    std::map<std::pair<std::string, std::int64_t>, Chat> chats;
    auto chat_id = [](const Json::Value& r) { return r["chat"].isInt64() ? r["chat"].asInt64() : 0; };
    auto of_operator = [&chats](const std::string& op, auto f) {
        for (auto it = chats.lower_bound({op, std::numeric_limits<std::int64_t>::min()});
             it != chats.end() && it->first.first == op;)
            f(it);
    };
    std::map<std::int64_t, Ring> rings;
    // By operator: the session id of the client run, and the numbers taken from it.
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> took;
    for (const Json::Value& r : records) {
        if (!r.isObject()) {
            ++n.skipped;
            continue;
        }
        const std::string kind = r["j"].isString() ? r["j"].asString() : "";
        if (kind == "ring" && r["id"].isInt64() && text_field(r, "svc") && text_field(r, "addr") &&
            r["texts"].isArray()) {
            Ring& ring = rings[r["id"].asInt64()];
            ring.caller = {r["svc"].asString(), r["addr"].asString()};
            ring.rang_wall = r["rang"].isNumeric() ? r["rang"].asDouble() : now.wall;
            ring.held.clear();
            for (const auto& t : r["texts"])
                if (t.isString()) ring.held.push_back(t.asString());
        } else if (kind == "ring_text" && r["id"].isInt64() && r["text"].isString()) {
            auto it = rings.find(r["id"].asInt64());
            if (it != rings.end()) it->second.held.push_back(r["text"].asString());
        } else if (kind == "ring_end" && r["id"].isInt64()) {
            rings.erase(r["id"].asInt64());
        } else if (kind == "chat" && text_field(r, "op") && text_field(r, "key") && text_field(r, "svc") &&
                   text_field(r, "addr")) {
            chats[{r["op"].asString(), chat_id(r)}] = Chat{r["key"].asString(),
                                                           {r["svc"].asString(), r["addr"].asString()},
                                                           {},
                                                           r["reserved"].isInt64() ? r["reserved"].asInt64() : 0,
                                                           0,
                                                           r["started"].isNumeric() ? r["started"].asDouble() : 0};
        } else if (kind == "lines" && text_field(r, "op") && r["reserved"].isInt64()) {
            auto it = chats.find({r["op"].asString(), chat_id(r)});
            if (it != chats.end()) it->second.reserved = std::max(it->second.reserved, r["reserved"].asInt64());
        } else if (kind == "held" && text_field(r, "op") && r["text"].isString()) {
            auto it = chats.find({r["op"].asString(), chat_id(r)});
            if (it == chats.end()) continue;
            const std::int64_t line = r["line"].isInt64() ? r["line"].asInt64() : 0;
            // A text sent again (held, then sent and unacknowledged) is kept once.
            auto& held = it->second.held;
            if (line == 0 || std::none_of(held.begin(), held.end(), [line](const auto& h) { return h.first == line; }))
                held.emplace_back(line, r["text"].asString());
            it->second.highest = std::max(it->second.highest, line);
        } else if (kind == "delivered" && text_field(r, "op") && r["upto"].isInt64()) {
            auto it = chats.find({r["op"].asString(), chat_id(r)});
            if (it == chats.end()) continue;
            const std::int64_t upto = r["upto"].asInt64();
            auto& held = it->second.held;
            held.erase(std::remove_if(held.begin(), held.end(),
                                      [upto](const auto& h) { return h.first != 0 && h.first <= upto; }),
                       held.end());
        } else if (kind == "delivered" && text_field(r, "op")) {
            // Written before line numbers: everything held for the operator had reached it.
            of_operator(r["op"].asString(), [](auto& it) { (it++)->second.held.clear(); });
        } else if (kind == "took" && text_field(r, "op") && r["line"].isInt64()) {
            took[r["op"].asString()].second.push_back(std::to_string(r["line"].asInt64()));
        } else if (kind == "took_sid" && text_field(r, "op") && r["sid"].isString()) {
            auto& [sid, lines] = took[r["op"].asString()];
            sid = r["sid"].asString();
            if (r["reset"].asBool()) lines.clear();
        } else if (kind == "end" && text_field(r, "op")) {
            // Without a chat id (a journal written before them) the operator's only chat.
            if (r["chat"].isInt64()) chats.erase({r["op"].asString(), r["chat"].asInt64()});
            else of_operator(r["op"].asString(), [&chats](auto& it) { it = chats.erase(it); });
        } else if (kind == "out" && text_field(r, "svc") && text_field(r, "id") && r["line"].isObject()) {
            services_[r["svc"].asString()].outbox.emplace_back(r["id"].asString(), r["line"]);
        } else if (kind == "out_acked" && text_field(r, "svc") && text_field(r, "id")) {
            auto& outbox = services_[r["svc"].asString()].outbox;
            for (auto it = outbox.begin(); it != outbox.end(); ++it)
                if (it->first == r["id"].asString()) {
                    outbox.erase(it);
                    break;
                }
        } else if (kind == "seen" && text_field(r, "svc") && text_field(r, "id")) {
            services_[r["svc"].asString()].seen.add(r["id"].asString());
        } else if (kind == "away" && text_field(r, "fp") && r["since"].isNumeric()) {
            Away& a = away_[r["fp"].asString()];
            a.since_wall = std::min(r["since"].asDouble(), now.wall);
            a.since_mono = now.mono - (now.wall - a.since_wall);
            a.remind_at = config_.away_reminder > 0 ? now.mono + config_.away_reminder : 0;
        } else if (kind == "back" && text_field(r, "fp")) {
            away_.erase(r["fp"].asString());
        } else if (kind == "support" && r["chat"].isInt64() && r["since"].isNumeric()) {
            requests[r["chat"].asInt64()] = r["since"].asDouble();
        } else if (kind == "support_end" && r["chat"].isInt64()) {
            requests.erase(r["chat"].asInt64());
        } else {
            ++n.skipped;
        }
    }
    for (auto& [where, chat] : chats) {
        const auto& [uuid, id] = where;
        std::string error;
        auto key = PublicKey::from_pem(chat.key, error);
        if (!key || callers_.count(chat.caller)) {
            ++n.skipped;
            continue;
        }
        auto [it, created] = operators_.try_emplace(uuid, *key);
        Operator& op = it->second;
        if (op.key != *key || op.chats.count(id)) {
            ++n.skipped;
            continue;
        }
        op.chats[id] = chat.caller;
        // Line numbers go on above any that may have been used: a restart never gives one
        // twice (the next number used sets a new block aside on disk).
        const std::int64_t next = std::max(chat.reserved, chat.highest + 1);
        op.lines[id] = Operator::ChatLines{std::max<std::int64_t>(next, 1), next};
        // Absent until it rejoins with its key, as after a dropped connection.
        op.grace_until = now.mono + config_.grace;
        wake_operator(uuid, op);
        // In the chat's order: a text sent and not acknowledged is journaled as held only
        // when its operator's link goes (operator_closed), after texts held since; its
        // number says where it belongs (found by the dispatch fuzzer). A journal written
        // before line numbers keeps its order.
        if (std::none_of(chat.held.begin(), chat.held.end(), [](const auto& h) { return h.first == 0; }))
            std::stable_sort(chat.held.begin(), chat.held.end(),
                             [](const auto& x, const auto& y) { return x.first < y.first; });
        // The chat id goes on when it is sent: only a client that reads them gets it. A
        // text from a journal written before line numbers gets one now.
        for (auto& [line, text] : chat.held)
            op.held.emplace_back(
                id, MsgCommand{{std::move(text)}, Direction::In, uuid, id, line ? line : op.lines[id].next++});
        n.held += chat.held.size();
        callers_[chat.caller].operator_uuid = uuid;
        callers_[chat.caller].chat = id;
        ChatInfo& info = chat_info_[id];
        info.owner = uuid;
        info.service = chat.caller.first;
        info.started_wall = chat.started > 0 && chat.started <= now.wall ? chat.started : now.wall;
        info.started_mono = now.mono - (now.wall - info.started_wall);
        ++n.chats;
    }
    for (auto& [uuid, run] : took) {
        auto op = operators_.find(uuid);
        if (op == operators_.end()) continue;
        op->second.took_sid = run.first;
        for (const auto& line : run.second) op->second.took.add(line);
    }
    for (const auto& [chat, since] : requests) {
        // A request comes back open: whoever read along is gone with the old run.
        auto info = chat_info_.find(chat);
        if (info == chat_info_.end()) continue;
        info->second.request.emplace();
        info->second.request->since_wall = std::min(since, now.wall);
        info->second.request->since_mono = now.mono - (now.wall - info->second.request->since_wall);
    }
    for (auto& [id, ring] : rings) {
        if (callers_.count(ring.caller)) {
            ++n.skipped;
            continue;
        }
        ring.expires_mono = now.mono + config_.ring_timeout;
        ring.expires_wall = now.wall + config_.ring_timeout;
        ring.rang_wall = std::min(ring.rang_wall, now.wall);
        ring.rang_mono = now.mono - (now.wall - ring.rang_wall);
        callers_[ring.caller].ring = id;
        if (id >= next_ring_id_) next_ring_id_ = id + 1;
        rings_[id] = std::move(ring);
        ++n.rings;
    }
    for (const auto& [name, s] : services_) n.unacked += s.outbox.size();
    return n;
}

}  // namespace nlchat
