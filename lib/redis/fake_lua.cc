#include "lib/redis/fake_lua.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/redis/reply_builder.h"

namespace omnigate::redis {
namespace {

using CallFn = std::function<RedisReply(const RedisCommand&)>;

struct CloseLua {
  void operator()(lua_State* L) const { lua_close(L); }
};

void PushStringArray(lua_State* L, const std::vector<std::string>& items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Pushes a reply converted to its Lua value. Errors become {err=...}.
void PushReply(lua_State* L, const redisReply* r) {
  lua_checkstack(L, 4);
  if (r == nullptr) {
    lua_pushboolean(L, 0);
    return;
  }
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      lua_pushnumber(L, static_cast<lua_Number>(r->integer));
      return;
    case REDIS_REPLY_STRING:
      lua_pushlstring(L, r->str, r->len);
      return;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, r->str, r->len);
      lua_setfield(L, -2, r->type == REDIS_REPLY_STATUS ? "ok" : "err");
      return;
    case REDIS_REPLY_ARRAY:
      lua_createtable(L, static_cast<int>(r->elements), 0);
      for (size_t i = 0; i < r->elements; ++i) {
        PushReply(L, r->element[i]);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    default:  // nil
      lua_pushboolean(L, 0);
      return;
  }
}

// The Lua value at `index` as Redis returns it from a script.
RedisReply ToReply(lua_State* L, int index) {
  lua_checkstack(L, 4);
  switch (lua_type(L, index)) {
    case LUA_TNUMBER:
      return IntegerReply(static_cast<int64_t>(lua_tonumber(L, index)));
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return BulkReply(absl::string_view(s, len));
    }
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) ? IntegerReply(1) : NilReply();
    case LUA_TTABLE: {
      const int table = index < 0 ? lua_gettop(L) + index + 1 : index;
      lua_getfield(L, table, "err");
      if (lua_isstring(L, -1)) {
        RedisReply reply = ErrorReply(lua_tostring(L, -1));
        lua_pop(L, 1);
        return reply;
      }
      lua_pop(L, 1);
      lua_getfield(L, table, "ok");
      if (lua_isstring(L, -1)) {
        RedisReply reply = StatusReply(lua_tostring(L, -1));
        lua_pop(L, 1);
        return reply;
      }
      lua_pop(L, 1);
      std::vector<RedisReply> elements;
      for (int i = 1;; ++i) {
        lua_rawgeti(L, table, i);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        elements.push_back(ToReply(L, -1));
        lua_pop(L, 1);
      }
      return ArrayReply(std::move(elements));
    }
    default:
      return NilReply();
  }
}

// redis.call (raise = 1) and redis.pcall (raise = 0). Lua errors longjmp,
// so every C++ object is gone before lua_error runs.
int RedisCallImpl(lua_State* L, bool raise) {
  bool failed = false;
  {
    auto* call = static_cast<const CallFn*>(lua_touserdata(L, lua_upvalueindex(1)));
    const int argc = lua_gettop(L);
    RedisCommand command;
    for (int i = 1; i <= argc; ++i) {
      if (lua_type(L, i) != LUA_TSTRING && lua_type(L, i) != LUA_TNUMBER) {
        command.clear();
        break;
      }
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      command.emplace_back(s, len);
    }
    if (command.empty()) {
      RedisReply error =
          ErrorReply(argc == 0 ? "ERR Please specify at least one argument for this redis lib call"
                               : "ERR Lua redis lib command arguments must be strings or integers");
      PushReply(L, error.get());
      failed = true;
    } else {
      RedisReply reply = (*call)(command);
      PushReply(L, reply.get());
      failed = reply.is_error();
    }
  }
  if (failed && raise) return lua_error(L);  // raises the {err=...} table
  return 1;
}

int RedisCall(lua_State* L) { return RedisCallImpl(L, true); }
int RedisPCall(lua_State* L) { return RedisCallImpl(L, false); }

int ReplyTable(lua_State* L, const char* field) {
  luaL_checkstring(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, field);
  return 1;
}
int RedisErrorReply(lua_State* L) { return ReplyTable(L, "err"); }
int RedisStatusReply(lua_State* L) { return ReplyTable(L, "ok"); }

}  // namespace

RedisReply RunLuaScript(const std::string& source, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args, const CallFn& call) {
  std::unique_ptr<lua_State, CloseLua> state(luaL_newstate());
  lua_State* L = state.get();
  luaL_openlibs(L);
  PushStringArray(L, keys);
  lua_setglobal(L, "KEYS");
  PushStringArray(L, args);
  lua_setglobal(L, "ARGV");
  lua_createtable(L, 0, 4);
  lua_pushlightuserdata(L, const_cast<CallFn*>(&call));
  lua_pushcclosure(L, RedisCall, 1);
  lua_setfield(L, -2, "call");
  lua_pushlightuserdata(L, const_cast<CallFn*>(&call));
  lua_pushcclosure(L, RedisPCall, 1);
  lua_setfield(L, -2, "pcall");
  lua_pushcfunction(L, RedisErrorReply);
  lua_setfield(L, -2, "error_reply");
  lua_pushcfunction(L, RedisStatusReply);
  lua_setfield(L, -2, "status_reply");
  lua_setglobal(L, "redis");

  if (luaL_loadbuffer(L, source.data(), source.size(), "@user_script") != 0) {
    return ErrorReply(absl::StrCat("ERR Error compiling script: ", lua_tostring(L, -1)));
  }
  if (lua_pcall(L, 0, 1, 0) != 0) {
    // A redis.call error or error({err=...}) carries its reply; anything else
    // is a runtime error of the script.
    if (lua_istable(L, -1)) {
      RedisReply reply = ToReply(L, -1);
      if (reply.is_error()) return reply;
    }
    const char* message = lua_tostring(L, -1);
    return ErrorReply(
        absl::StrCat("ERR Error running script: ", message != nullptr ? message : "error"));
  }
  return ToReply(L, -1);
}

}  // namespace omnigate::redis
