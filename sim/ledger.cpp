// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim/ledger.h"

namespace nlchat::sim {

std::optional<std::pair<int, int>> Ledger::parse_caller_tag(const std::string& text) {
    if (text.size() < 4 || text[0] != 'c') return std::nullopt;
    auto hash = text.find('#');
    if (hash == std::string::npos) return std::nullopt;
    try {
        return std::make_pair(std::stoi(text.substr(1, hash - 1)), std::stoi(text.substr(hash + 1)));
    } catch (...) {
        return std::nullopt;
    }
}

void Ledger::caller_wrote(int caller, int n) { caller_lines_[caller_tag(caller, n)] = CallerLine{caller, n}; }

void Ledger::caller_line_acked(const std::string& tag) {
    auto it = caller_lines_.find(tag);
    if (it != caller_lines_.end()) it->second.acked = true;
}

void Ledger::caller_told(int caller) {
    for (auto& [tag, line] : caller_lines_)
        if (line.caller == caller && !line.shown) line.excused = true;
}

std::string Ledger::operator_tag(int op, int run, std::uint64_t chat, int n) const {
    return "o" + std::to_string(op) + "." + std::to_string(run) + "/" + std::to_string(chat) + "#" + std::to_string(n);
}

void Ledger::shown_caller_line(int op, int run, std::uint64_t chat, const std::string& text, bool numbered,
                               bool handed) {
    const std::string where =
        "operator " + std::to_string(op) + " run " + std::to_string(run) + " chat " + std::to_string(chat);
    if (!text.empty() && text[0] == 'w')
        return world_.fail(where + " shows the whisper " + text + " as a caller's line");
    auto parsed = parse_caller_tag(text);
    if (!parsed) return;  // nlchatd's own words (a welcome, a note)
    auto [caller, n] = *parsed;
    ++shown_;
    // (c) one chat, one caller.
    auto [it, first] = chat_caller_.try_emplace({op, run, chat}, caller);
    if (!first && it->second != caller)
        return world_.fail(where + " shows " + text + " from caller " + std::to_string(caller) + ", but it is caller " +
                           std::to_string(it->second) + "'s chat");
    // (a) once per run (per holding, across a hand-over: see the top of ledger.h), in order.
    auto [seen, fresh] = seen_in_run_.try_emplace({op, run, text}, std::make_pair(world_.now(), chat));
    if (!fresh) {
        // What the manual allows: after a restart, a line again to a client that cannot
        // tell (no numbers), or one sent while the journal could not be written; and a
        // line the chat's previous operator had not acknowledged, in the chat handed
        // (back) to this one.
        if (!numbered || (journal_failing_at && journal_failing_at(seen->second.first))) return;
        if (handed && seen->second.second != chat) {
            seen->second.second = chat;
        } else {
            return world_.fail(where + " shows " + text + " twice");
        }
    }
    auto [before, new_to_op] = seen_by_op_.try_emplace({op, text}, world_.now());
    int& last = last_seen_[{op, run, caller, handed ? chat : 0}];
    if (n < last) {
        // The same allowance across a restart of nlchat: a line an earlier run showed while
        // the journal could not be written may come again, renumbered, after later ones.
        if (!new_to_op && numbered && journal_failing_at && journal_failing_at(before->second)) return;
        return world_.fail(where + " shows " + text + " after line " + std::to_string(last) + " of the same caller");
    }
    last = n;
    auto line = caller_lines_.find(text);
    if (line == caller_lines_.end()) return world_.fail(where + " shows " + text + ", which no caller wrote");
    // (e) delivered only to the chat's holder: one that shows it after the chat was handed
    // over from it (a line on its way) has not taken it for the caller; the new operator
    // must get it.
    auto holder = holder_.find(caller);
    if (holder != holder_.end() && holder->second != op) {
        world_.trace("ledger", where + " shows " + text + " but operator " + std::to_string(holder->second) +
                                   " holds the chat: not counted");
        return;
    }
    line->second.shown = true;
}

void Ledger::shown_history_line(int op, int run, std::uint64_t chat, const std::string& text) {
    const std::string where =
        "operator " + std::to_string(op) + " run " + std::to_string(run) + " chat " + std::to_string(chat);
    if (!text.empty() && text[0] == 'w') return world_.fail(where + " shows the whisper " + text + " in its history");
    auto parsed = parse_caller_tag(text);
    if (!parsed) return shown_previous_line(op, run, chat, text);
    // (c) the history is of this chat's caller.
    auto [it, first] = chat_caller_.try_emplace({op, run, chat}, parsed->first);
    if (!first && it->second != parsed->first)
        world_.fail(where + " has " + text + " in its history, but it is caller " + std::to_string(it->second) +
                    "'s chat");
}

void Ledger::shown_previous_line(int op, int run, std::uint64_t chat, const std::string& text) {
    auto line = operator_lines_.find(text);
    if (line == operator_lines_.end()) return;  // not a tagged line, or one never shown to its writer
    auto from = chat_caller_.find({line->second.op, line->second.run, line->second.chat});
    auto here = chat_caller_.find({op, run, chat});
    if (from != chat_caller_.end() && here != chat_caller_.end() && from->second != here->second)
        world_.fail("operator " + std::to_string(op) + " chat " + std::to_string(chat) + " (caller " +
                    std::to_string(here->second) + ") shows " + text + ", written to caller " +
                    std::to_string(from->second));
}

void Ledger::shown_whisper(int op, std::int64_t chat_id, const std::string& text) {
    if (text.empty() || text[0] != 'w') return;
    ++whispers_;
    auto at = text.find('@'), hash = text.find('#');
    if (at == std::string::npos || hash == std::string::npos || hash < at) return;
    if (text.substr(at + 1, hash - at - 1) != std::to_string(chat_id))
        world_.fail("operator " + std::to_string(op) + " got the whisper " + text + " in its chat " +
                    std::to_string(chat_id));
}

void Ledger::shown_own_line(int op, int run, std::uint64_t chat, const std::string& text) {
    if (text.empty() || text[0] != 'o') return;
    auto slash = text.find('/'), hash = text.find('#');
    if (slash == std::string::npos || hash == std::string::npos) return;
    // (c) the line is in the chat it was typed in.
    if (text.substr(slash + 1, hash - slash - 1) != std::to_string(chat))
        return world_.fail("operator " + std::to_string(op) + " typed " + text + " but it went to chat " +
                           std::to_string(chat));
    auto [it, added] = operator_lines_.try_emplace(text);
    if (added) it->second = OperatorLine{op, run, chat};
}

void Ledger::own_line_fate(const std::string& tag, bool v2, bool delivered, bool not_delivered) {
    auto it = operator_lines_.find(tag);
    if (it == operator_lines_.end()) return;
    if (v2) it->second.v2 = true;
    if (delivered) it->second.delivered = true;
    if (not_delivered) it->second.not_delivered = true;
}

void Ledger::service_received(int caller, const std::string& text) {
    if (!text.empty() && text[0] == 'w')
        return world_.fail("the whisper " + text + " reached caller " + std::to_string(caller) + "'s service");
    if (text.empty() || text[0] != 'o') return;
    auto it = operator_lines_.find(text);
    if (it == operator_lines_.end()) return world_.fail("a service got " + text + ", which no operator sent");
    OperatorLine& line = it->second;
    // (c) it reached the caller of the chat it was typed in.
    auto chat = chat_caller_.find({line.op, line.run, line.chat});
    if (chat == chat_caller_.end())
        return world_.fail(text + " reached caller " + std::to_string(caller) + " from a chat with no caller");
    if (chat->second != caller)
        return world_.fail(text + " was typed to caller " + std::to_string(chat->second) + " but reached caller " +
                           std::to_string(caller));
    line.received = true;
}

void Ledger::best_effort_lost(const std::string& tag) {
    auto it = operator_lines_.find(tag);
    if (it != operator_lines_.end()) it->second.written_to_away = true;
}

void Ledger::check_holding(int op, int run, std::uint64_t chat) {
    auto caller = chat_caller_.find({op, run, chat});
    if (caller == chat_caller_.end() || world_.failure()) return;
    auto holder = holder_.find(caller->second);
    if (holder != holder_.end() && holder->second != op)
        world_.fail("operator " + std::to_string(op) + " run " + std::to_string(run) + " still has chat " +
                    std::to_string(chat) + " (caller " + std::to_string(caller->second) +
                    ") open to write in, but nlchatd gave it to operator " + std::to_string(holder->second));
}

void Ledger::check_end(const std::set<std::pair<int, int>>& live_runs) {
    for (const auto& [tag, line] : caller_lines_) {
        if (world_.failure()) return;
        // (a), (d): taken means seen, unless the caller was told otherwise.
        if (line.acked && !line.shown && !line.excused && !line.written_v1)
            world_.fail("caller line " + tag +
                        " was acknowledged but no operator ever saw it, and the caller was not told");
    }
    for (const auto& [tag, line] : operator_lines_) {
        if (world_.failure()) return;
        if (line.delivered && !line.not_delivered && !line.received && !line.written_to_away)
            world_.fail("operator line " + tag + " was shown delivered but never reached its caller's service");
        // (d) on v2 every line ends delivered or NOT DELIVERED once the link is quiet.
        if (line.v2 && live_runs.count({line.op, line.run}) && !line.delivered && !line.not_delivered)
            world_.fail("operator line " + tag + " is still neither delivered nor marked not delivered");
    }
}

}  // namespace nlchat::sim
