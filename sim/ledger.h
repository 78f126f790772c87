// SPDX-License-Identifier: GPL-3.0-or-later
// What the simulation knows happened, and the invariants it checks against it
// (HACKING.md, "The simulation"):
//  (a) every line whose writer was told it was taken (a bus ack, a v2 ack shown as
//      "delivered") reaches its reader, in order per chat, once per nlchat run; or its
//      writer is told it did not (the caller: a reply or the end of the chat after the
//      ack; the operator: NOT DELIVERED);
//  (b) nothing is acknowledged or shown delivered that is not safe: on the disk, on the
//      screen it was meant for, or (the 2015 protocol's one promise) written to a v1
//      operator's connection;
//  (c) no line reaches a chat other than the one it was written in;
//  (d) a line that cannot be delivered is reported to its writer, never dropped in silence;
//  (e) the shift (nlchat-protocol(7), THE SHIFT): a caller's line counts as delivered only
//      when the operator that shows it holds the caller's chat at that moment (as nlchatd's
//      memory has it: after a hand-over, the new operator); an operator's line reaches
//      the caller of the chat it was typed in, the previous operator's late line too; the
//      history a hand-over brings ("prior" lines) and the previous operator's late lines
//      are never counted as deliveries; a whisper reaches no caller, and only the
//      operator of the chat it was whispered in.
//
// "Once" across a hand-over: a line is shown at most once per holding of the chat (one
// chat pane of one operator's run). The manual sends the new operator every text the
// previous one had not acknowledged, so a text the previous operator showed but had not
// yet acknowledged may be shown again by the new one (and again by the first, should the
// chat be handed back to it): that is a second holding, not a second delivery. Order is
// checked per holding too, for the same reason.
//
// Lines carry tags that say who wrote them and where: a caller's "c<caller>#<n>", an
// operator's "o<operator>.<run>/<chat serial>#<n>", a whisper "w<operator>.<run>@<chat
// id>#<n>".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/world.h"

namespace nlchat::sim {

struct CallerLine {
    int caller = 0;
    int n = 0;
    bool acked = false;       // the service was told nlchatd took it
    bool excused = false;     // the caller was told, after the ack, that the chat failed or ended
    bool written_v1 = false;  // written to a v1 operator's connection: all that protocol promises
    bool shown = false;       // an operator saw it
};

struct OperatorLine {
    int op = 0, run = 0;
    std::uint64_t chat = 0;  // the chat serial it was typed in
    bool v2 = false;         // sent on a v2 link (delivered means acknowledged)
    bool delivered = false;  // shown as delivered, at some point
    bool not_delivered = false;
    bool received = false;         // a service got it
    bool written_to_away = false;  // written to a service without acknowledgements that then died
};

class Ledger {
public:
    explicit Ledger(World& world) : world_(world) {}

    // ---- callers ----
    std::string caller_tag(int caller, int n) const { return "c" + std::to_string(caller) + "#" + std::to_string(n); }
    void caller_wrote(int caller, int n);
    void caller_line_acked(const std::string& tag);
    // The caller was told its chat failed or ended (a reply from nlchatd, or a disassociate).
    void caller_told(int caller);
    void caller_left(int caller) { caller_told(caller); }
    // Callers by their service and address, and a chat or ring of theirs that nlchatd
    // ended on its side (it tells the caller in the same turn, on the bus or on disk).
    void register_address(const std::string& service, const std::string& address, int caller) {
        callers_by_address_[{service, address}] = caller;
    }
    void address_told(const std::string& service, const std::string& address) {
        auto it = callers_by_address_.find({service, address});
        if (it != callers_by_address_.end()) caller_told(it->second);
    }

    // ---- operators ----
    std::string operator_tag(int op, int run, std::uint64_t chat, int n) const;
    // A line on an operator's screen: a caller's in chat `chat` of that run, or its own.
    // `numbered`: the client reads chat ids, so lines come numbered and a line sent again
    // after a restart of nlchatd is not shown twice; a 2015 client may show it twice
    // (nlchat-protocol(7) says so). `handed`: the chat came to it by a hand-over.
    void shown_caller_line(int op, int run, std::uint64_t chat, const std::string& text, bool numbered, bool handed);
    // A line of the history a hand-over brought (a caller's or an operator's): it says
    // whose chat it is, and is no delivery.
    void shown_history_line(int op, int run, std::uint64_t chat, const std::string& text);
    // The previous operator's line, shown to the new one (THE SHIFT): no delivery either,
    // but it must be of the same caller's chat.
    void shown_previous_line(int op, int run, std::uint64_t chat, const std::string& text);
    // A whisper shown to operator `op` in its chat `chat_id` (a chat of its own).
    void shown_whisper(int op, std::int64_t chat_id, const std::string& text);
    // A whisper typed in a read-along of chat `chat_id`.
    std::string whisper_tag(int op, int run, std::int64_t chat_id, int n) const {
        return "w" + std::to_string(op) + "." + std::to_string(run) + "@" + std::to_string(chat_id) + "#" +
               std::to_string(n);
    }
    // nlchatd (in memory) gives the caller at this address's chat to operator `op`:
    // answered, handed over, or restored from the disk; or it ends that operator's chat
    // (a hand-over's end is followed at once by the new operator's chat).
    void chat_held(const std::string& service, const std::string& address, int op) {
        auto it = callers_by_address_.find({service, address});
        if (it != callers_by_address_.end()) holder_[it->second] = op;
    }
    void chat_ended(const std::string& service, const std::string& address, int op) {
        auto it = callers_by_address_.find({service, address});
        if (it == callers_by_address_.end()) return;
        auto holder = holder_.find(it->second);
        if (holder != holder_.end() && holder->second == op) holder_.erase(holder);
    }
    void shown_own_line(int op, int run, std::uint64_t chat, const std::string& text);
    // What the screen says of an own line: sent on v2 (it has a receipt), delivered, not.
    void own_line_fate(const std::string& tag, bool v2, bool delivered, bool not_delivered);
    // A service got a line for caller `caller`'s address.
    void service_received(int caller, const std::string& text);
    // A service without acknowledgements died with lines written to it.
    void best_effort_lost(const std::string& tag);
    // nlchatd wrote a caller's line to a v1 operator's connection (a 2015 client cannot
    // say more than that it was written).
    void written_to_v1(const std::string& tag) {
        auto it = caller_lines_.find(tag);
        if (it != caller_lines_.end()) it->second.written_v1 = true;
    }

    // ---- the checks ----
    // (b) after an event: every caller line acknowledged and not yet seen must be safe.
    // `safe` says whether a tag is on disk or written to a v1 operator's connection.
    template <class Safe> void check_safe(Safe safe);
    // At the end, after a quiet spell with every fault healed.
    // `live_runs`: the operator runs still going (operator, run).
    void check_end(const std::set<std::pair<int, int>>& live_runs);
    // At the end too: a chat an operator's screen still shows going (it may write in it)
    // is not, in nlchatd's memory, a colleague's it was handed over to. (One that ended
    // while the news of it was lost to a restart may still show going: the operator
    // learns when it writes, as before the shift.)
    void check_holding(int op, int run, std::uint64_t chat);

    // Whether nlchatd could not write its journal around this time: what it sent then was
    // not on disk, and a crash may make it send a line twice (nlchatd(8) allows it).
    std::function<bool(double)> journal_failing_at;

    const std::map<std::string, CallerLine>& caller_lines() const { return caller_lines_; }
    const std::map<std::string, OperatorLine>& operator_lines() const { return operator_lines_; }
    std::size_t shown_count() const { return shown_; }
    std::size_t whispers_shown() const { return whispers_; }

private:
    static std::optional<std::pair<int, int>> parse_caller_tag(const std::string& text);

    World& world_;
    std::map<std::string, CallerLine> caller_lines_;  // by tag
    std::map<std::string, OperatorLine> operator_lines_;
    // Per operator run and chat: the caller it is with (from the first caller line seen).
    std::map<std::tuple<int, int, std::uint64_t>, int> chat_caller_;
    // Per operator run and caller (and chat serial, for a chat handed over to it): the
    // last line number seen (order).
    std::map<std::tuple<int, int, int, std::uint64_t>, int> last_seen_;
    // Per operator run and line: when first shown, and in which chat (once).
    std::map<std::tuple<int, int, std::string>, std::pair<double, std::uint64_t>> seen_in_run_;
    // Per caller: the operator whose chat it is now, as nlchatd's memory has it (none
    // once it ended: a line on its way to the last one then still counts).
    std::map<int, int> holder_;
    std::map<std::pair<int, std::string>, double> seen_by_op_;  // in any run of that operator
    std::size_t shown_ = 0, whispers_ = 0;
    std::map<std::pair<std::string, std::string>, int> callers_by_address_;
};

template <class Safe> void Ledger::check_safe(Safe safe) {
    for (const auto& [tag, line] : caller_lines_) {
        if (!line.acked || line.shown || line.excused || line.written_v1) continue;
        if (!safe(tag)) return world_.fail("caller line " + tag + " was acknowledged but is neither on disk nor shown");
    }
    for (const auto& [tag, line] : operator_lines_) {
        if (!line.delivered || line.not_delivered || line.received || line.written_to_away) continue;
        if (!safe(tag))
            return world_.fail("operator line " + tag +
                               " is shown delivered but is neither on disk nor at its service");
    }
}

}  // namespace nlchat::sim
