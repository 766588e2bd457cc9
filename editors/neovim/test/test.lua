-- Headless test of the Journey Neovim plugin. Run by run.sh:
--   nvim --headless -u NONE -i NONE -n -c "luafile test.lua"
-- The server command is $JOURNEY_LSP_CMD (split on whitespace), else the stub
-- server beside this file.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local plugin = vim.fn.fnamemodify(here, ":h")
vim.opt.runtimepath:prepend(plugin)
vim.cmd("filetype plugin on")
vim.cmd("syntax on")

local passed, failed = 0, 0
local function log(msg)
  io.stdout:write(msg .. "\n")
  io.stdout:flush()
end
local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    log("ok    " .. name)
  else
    failed = failed + 1
    log("FAIL  " .. name .. (detail and (": " .. tostring(detail)) or ""))
  end
  return ok
end

local function server_cmd()
  local env = os.getenv("JOURNEY_LSP_CMD")
  if env and env:match("%S") then
    local parts = {}
    for part in env:gmatch("%S+") do
      table.insert(parts, part)
    end
    return parts, "JOURNEY_LSP_CMD"
  end
  return { "python3", here .. "/stub_server.py" }, "stub"
end

-- clients attached to a buffer, on Neovim 0.7 to 0.11+
local function buf_clients(buf)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = buf })
  end
  local list = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(list, c)
  end
  return list
end

local function realpath(p)
  return vim.loop.fs_realpath(p) or p
end

local function write_file(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

-- A journey with a deliberate error (an unknown trigger), so that the real
-- server publishes at least one diagnostic too.
local SOURCE = [[
/// Sent when a cart is abandoned.
email Reminder {
  status ready
  subject "Your cart"
  body "Hi {{profile.first_name}}"
}

journey Broken {
  start on NoSuchTrigger
  send Reminder to profile.email
}
]]

local function run()
  local cmd, origin = server_cmd()
  log("server: " .. table.concat(cmd, " ") .. " (" .. origin .. ")")
  log("neovim: " .. tostring(vim.version and vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch))

  local tmp = vim.fn.tempname()
  local project = tmp .. "/project"
  vim.fn.mkdir(project .. "/.git", "p")
  write_file(project .. "/flows/cart.journey", SOURCE)
  write_file(project .. "/other.journey", SOURCE:gsub("Broken", "AlsoBroken"):gsub("Reminder", "Reminder2"))
  write_file(tmp .. "/loose/solo.journey", SOURCE)

  local journey = require("journey")
  local exit_codes = {}
  journey.setup({
    cmd = cmd,
    on_exit = function(code, _, id)
      exit_codes[id] = code
    end,
  })

  -- 1. filetype, ftplugin, syntax
  vim.cmd("edit " .. vim.fn.fnameescape(project .. "/flows/cart.journey"))
  local buf = vim.api.nvim_get_current_buf()
  check("filetype is journey", vim.bo[buf].filetype == "journey", vim.bo[buf].filetype)
  check("commentstring is '// %s'", vim.bo[buf].commentstring == "// %s", vim.bo[buf].commentstring)
  check("syntax file loaded", vim.b.current_syntax == "journey", vim.b.current_syntax)
  local function syn_at(line, col)
    return vim.fn.synIDattr(vim.fn.synID(line, col, 1), "name")
  end
  check("syntax: doc comment", syn_at(1, 1) == "journeyDocComment", syn_at(1, 1))
  check("syntax: `email` declaration", syn_at(2, 1) == "journeyDeclaration", syn_at(2, 1))
  check("syntax: placeholder", syn_at(5, 14) == "journeyRoot", syn_at(5, 14))
  check("syntax: `profile.email` is a property", syn_at(10, 28) == "journeyAccess", syn_at(10, 28))
  -- an unclosed one-line string ends at the end of its line (a `"""` string runs on)
  vim.cmd("new")
  vim.bo.filetype = "journey"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "email Open {", '  subject "no end', "  status ready", "}" })
  vim.cmd("syntax sync fromstart")
  check("syntax: an unclosed string ends with its line", syn_at(3, 3) ~= "journeyString", syn_at(3, 3))
  vim.cmd("bwipeout!")

  -- 2. the client starts, attaches, with the project root
  local attached = vim.wait(10000, function()
    return #buf_clients(buf) > 0
  end, 20)
  if not check("LSP client attaches to the journey buffer", attached) then
    return
  end
  local client = buf_clients(buf)[1]
  check("client name is journey", client.name == "journey", client.name)
  check("root_dir is the nearest folder with .git", realpath(client.config.root_dir) == realpath(project),
    client.config.root_dir)
  local initialized = vim.wait(10000, function()
    return client.initialized == true or (client.server_capabilities or client.resolved_capabilities) ~= nil
  end, 20)
  check("server answered initialize", initialized)

  -- 3. diagnostics arrive
  local got = vim.wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  local diags = vim.diagnostic.get(buf)
  check("publishDiagnostics received for the buffer", got, "no diagnostic within 20 s")
  if got then
    log("      first diagnostic: line " .. (diags[1].lnum + 1) .. ": " .. diags[1].message)
    check("diagnostic has a message", type(diags[1].message) == "string" and diags[1].message ~= "")
  end

  -- 4. a second file of the same project reuses the client; a loose file gets its own
  vim.cmd("edit " .. vim.fn.fnameescape(project .. "/other.journey"))
  local buf2 = vim.api.nvim_get_current_buf()
  vim.wait(10000, function()
    return #buf_clients(buf2) > 0
  end, 20)
  local c2 = buf_clients(buf2)[1]
  check("same project: same client", c2 ~= nil and c2.id == client.id, c2 and c2.id)

  vim.cmd("edit " .. vim.fn.fnameescape(tmp .. "/loose/solo.journey"))
  local buf3 = vim.api.nvim_get_current_buf()
  vim.wait(10000, function()
    return #buf_clients(buf3) > 0
  end, 20)
  local c3 = buf_clients(buf3)[1]
  check("no .git: a new client", c3 ~= nil and c3.id ~= client.id, c3 and c3.id)
  check("no .git: root_dir is the file's folder", c3 ~= nil and realpath(c3.config.root_dir) == realpath(tmp .. "/loose"),
    c3 and c3.config.root_dir)

  -- 5. clients stop cleanly (shutdown + exit)
  local ids = {}
  for _, c in ipairs({ client, c3 }) do
    if c then
      table.insert(ids, c.id)
    end
  end
  if vim.fn.has("nvim-0.11") == 1 then
    for _, c in ipairs({ client, c3 }) do
      c:stop()
    end
  else
    vim.lsp.stop_client(ids)
  end
  local stopped = vim.wait(10000, function()
    for _, id in ipairs(ids) do
      if exit_codes[id] == nil then
        return false
      end
    end
    return true
  end, 50)
  check("clients stop on shutdown/exit", stopped, vim.inspect(exit_codes))
  check("server exits with code 0 after shutdown", stopped and exit_codes[ids[1]] == 0 and exit_codes[ids[#ids]] == 0,
    vim.inspect(exit_codes))

  -- 6. a missing binary: one clear error, no client, no crash
  local notes = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(notes, { msg = msg, level = level })
  end
  journey.setup({ cmd = { "journey-binary-that-does-not-exist", "lsp" } })
  vim.cmd("edit " .. vim.fn.fnameescape(tmp .. "/loose/missing.journey"))
  local buf4 = vim.api.nvim_get_current_buf()
  vim.notify = notify
  check("missing binary: error message", #notes == 1 and notes[1].msg:find("not found", 1, true) ~= nil,
    vim.inspect(notes))
  check("missing binary: no client", #buf_clients(buf4) == 0)

  vim.fn.delete(tmp, "rf")
end

local ok, err = xpcall(run, debug.traceback)
check("test script ran to the end", ok, err)
log(("neovim: %d passed, %d failed"):format(passed, failed))
if failed == 0 then
  vim.cmd("qall!")
else
  vim.cmd("cquit!")
end
