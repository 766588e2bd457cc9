-- Journey for Neovim: starts the Journey language server (`journey lsp`) for
-- journey buffers and attaches it.
--
--   require("journey").setup({ cmd = { "journey", "lsp" } })
--
-- Works on Neovim 0.7 (vim.lsp.start_client + vim.lsp.buf_attach_client) and
-- on newer versions (vim.lsp.start, which reuses a client per name and root).
local M = {}

M.defaults = {
  -- the server command; a string is split on whitespace
  cmd = { "journey", "lsp" },
  -- the root is the nearest ancestor holding one of these, else the file's folder
  root_markers = { ".git" },
  name = "journey",
  -- passed on to the client as they are
  on_attach = nil,
  on_init = nil,
  on_exit = nil,
  handlers = nil,
  capabilities = nil,
  settings = nil,
  init_options = nil,
}

local config = nil
local clients_by_root = {} -- Neovim 0.7 only: root_dir -> client id
local warned_missing = false

local function split_cmd(cmd)
  if type(cmd) == "table" then
    return cmd
  end
  local parts = {}
  for part in tostring(cmd):gmatch("%S+") do
    table.insert(parts, part)
  end
  return parts
end

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

--- The nearest ancestor of `path`'s folder that holds one of `markers`,
--- else the folder of `path`.
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local cur = dir
  while true do
    for _, marker in ipairs(markers) do
      if exists(cur .. "/" .. marker) then
        return cur
      end
    end
    local parent = vim.fn.fnamemodify(cur, ":h")
    if parent == cur then
      return dir
    end
    cur = parent
  end
end

local function current_config()
  return config or M.defaults
end

--- Starts (or reuses) the server for `bufnr` and attaches it.
--- Returns the client id, or nil when the server cannot be started.
function M.start(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local cfg = current_config()
  local cmd = split_cmd(cfg.cmd)
  if #cmd == 0 or vim.fn.executable(cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      vim.notify(
        ("journey: language server binary %q not found; put `journey` on your PATH "
          .. "or pass cmd = { '/path/to/journey', 'lsp' } to require('journey').setup()"):format(cmd[1] or ""),
        vim.log.levels.ERROR
      )
    end
    return nil
  end

  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = name ~= "" and M.find_root(name, cfg.root_markers) or vim.loop.cwd()
  local client_config = {
    name = cfg.name,
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = cfg.capabilities,
    settings = cfg.settings,
    init_options = cfg.init_options,
    on_attach = cfg.on_attach,
    on_init = cfg.on_init,
    on_exit = cfg.on_exit,
    handlers = cfg.handlers,
  }

  if vim.lsp.start then -- Neovim >= 0.8
    return vim.lsp.start(client_config, { bufnr = bufnr })
  end

  -- Neovim 0.7: one client per root, started by hand.
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client:is_stopped() then
    id = vim.lsp.start_client(client_config)
    if not id then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Configures the plugin and starts the server for every journey buffer,
--- the ones already open and the ones to come.
function M.setup(opts)
  config = vim.tbl_extend("force", M.defaults, opts or {})
  config.cmd = split_cmd(config.cmd)
  warned_missing = false

  local group = vim.api.nvim_create_augroup("journey_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "journey",
    callback = function(args)
      M.start(args.buf)
    end,
    desc = "Start the Journey language server",
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "journey" then
      M.start(buf)
    end
  end
end

return M
