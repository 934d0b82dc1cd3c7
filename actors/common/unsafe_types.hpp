#pragma once
// Model records travel between actors of ONE process as plain C++ values. CAF 0.17 wants every
// message type inspectable; these are whitelisted as local-only instead (see
// docs/decisions/0003-local-message-types.md). Cluster messages (issue 4) must not use them.

#include "core/model.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::app_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::app_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::config_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ever::worker_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ever::worker_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ever::config_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<ever::app_record>)
