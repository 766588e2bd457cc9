//! The protocol side: capabilities, and each request or notification turned
//! into a call of [`crate::features`] on the checked project of the file.
//!
//! Handlers may run concurrently: the transport ([`crate::transport`]) reads
//! messages in order and polls up to four handlers at once. Edits must still
//! apply in the order they were sent, so the state is one [`World`] behind a
//! mutex and every notification handler changes it *before its first await*:
//! the transport starts handlers in arrival order (its queue of ready futures
//! is first in, first out), so the first poll of each `didChange`, and with it
//! the edit, happens in the order the client sent them. Requests read the
//! checked project of the moment and never hold the lock across an await. A
//! version that is not newer than the buffer's is ignored ([`World::change`]).
//!
//! Publishing may still interleave (a handler awaits while it sends), so each
//! check is numbered while the world is locked and the [`crate::ledger`] drops
//! a result older than one already sent.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use journey_diagnostics::{ColumnUnit, FileId, Span};
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use crate::convert;
use crate::features;
use crate::ledger::{Batch, FileDiagnostics, Ledger};
use crate::world::{Applied, Snapshot, World};

/// The language server.
pub struct Backend {
    client: Client,
    world: Arc<Mutex<World>>,
    shut_down: Arc<AtomicBool>,
    /// Whether the client lets the server register a file watcher.
    can_watch: AtomicBool,
    /// What was published for each file.
    ledger: Mutex<Ledger>,
    /// Held while publishing: one batch of notifications at a time.
    sending: tokio::sync::Mutex<()>,
    /// The generation of the next check (see [`crate::ledger`]).
    generation: AtomicU64,
}

/// Serves the protocol over `input` and `output` until the client sends `exit`
/// (or the input ends), logging the messages set aside to standard error.
/// Returns whether `shutdown` came before `exit` (the exit status is 0 then, 1 otherwise).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    serve_logged(input, output, &|line| eprintln!("{line}")).await
}

/// [`serve`], with the log lines (messages set aside, the end) given to `log`.
pub async fn serve_logged<I, O>(input: I, output: O, log: &(dyn Fn(&str) + Sync)) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) = LspService::new(move |client| Backend::new(client, flag));
    crate::transport::run(input, output, service, socket, log).await;
    shut_down.load(Ordering::SeqCst)
}

fn internal(message: impl Into<String>) -> Error {
    Error { code: tower_lsp_server::jsonrpc::ErrorCode::InternalError, message: message.into().into(), data: None }
}

/// Runs a request's work; a panic becomes an error answer and the server goes on.
fn guard<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|_| Err(internal("the language server failed on this request (a bug: please report it)")))
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_params(message.into())
}

impl Backend {
    /// A server that sets `shut_down` when the client asks it to shut down.
    pub fn new(client: Client, shut_down: Arc<AtomicBool>) -> Backend {
        Backend {
            client,
            world: Arc::new(Mutex::new(World::default())),
            shut_down,
            can_watch: AtomicBool::new(false),
            ledger: Mutex::default(),
            sending: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A handler that panicked leaves the state as it was between two edits.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The checked project of the document and the document's file in it.
    fn file(&self, uri: &Uri) -> Result<(Arc<Snapshot>, FileId)> {
        let path = convert::path(uri).ok_or_else(|| invalid(format!("not a file URI: {}", uri.as_str())))?;
        let snap = self.world().snapshot_of(&path);
        let id = snap
            .file_id(&path)
            .ok_or_else(|| invalid(format!("not a .journey file of a project: {}", uri.as_str())))?;
        Ok((snap, id))
    }

    fn at(&self, pos: &TextDocumentPositionParams) -> Result<(Arc<Snapshot>, FileId, usize)> {
        let (snap, id) = self.file(&pos.text_document.uri)?;
        let offset = convert::offset(snap.file(id), pos.position, snap.unit);
        Ok((snap, id, offset))
    }

    /// The checked project of the document, the document's file and the bytes of `range`.
    fn span(&self, uri: &Uri, range: Range) -> Result<(Arc<Snapshot>, FileId, Span)> {
        let (snap, id) = self.file(uri)?;
        let f = snap.file(id);
        let span = Span::new(convert::offset(f, range.start, snap.unit), convert::offset(f, range.end, snap.unit));
        Ok((snap, id, span))
    }

    /// Re-checks and publishes the projects of the open buffers and of `changed` files.
    async fn republish(&self, changed: Vec<PathBuf>) {
        let paths = self.world().open_paths().into_iter().chain(changed).collect();
        self.publish_paths(paths, Layout::MayChange).await;
    }

    /// Checks the project of `path` and publishes the diagnostics of its files.
    async fn publish(&self, path: PathBuf, layout: Layout) {
        self.publish_paths(vec![path], layout).await;
    }

    /// Checks the projects of `paths` and publishes the diagnostics of their files:
    /// each of `paths` always (cleared when it is in no project), the others when
    /// their diagnostics changed. When the layout may have changed (a buffer opened
    /// or closed, files created or deleted), the files published in another project
    /// than the one they now belong to are published again in theirs.
    async fn publish_paths(&self, paths: Vec<PathBuf>, layout: Layout) {
        let batches = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.check(&paths, layout)));
        let Ok(batches) = batches else { return };
        // One sender at a time, each batch as the ledger admits it: never an older result after a newer one.
        let _turn = self.sending.lock().await;
        for batch in batches {
            let notifications = self.ledger.lock().unwrap_or_else(|e| e.into_inner()).admit(batch);
            for (uri, diagnostics, version) in notifications {
                self.client.publish_diagnostics(uri, diagnostics, version).await;
            }
        }
    }

    /// The checks to publish for `paths` (see [`Backend::publish_paths`]), computed now.
    fn check(&self, paths: &[PathBuf], layout: Layout) -> Vec<Batch> {
        let mut world = self.world();
        let mut roots: Vec<(PathBuf, Vec<(Uri, PathBuf)>)> = Vec::new();
        let mut place = |root: PathBuf, own: Option<(Uri, PathBuf)>| {
            let i = match roots.iter().position(|(r, _)| *r == root) {
                Some(i) => i,
                None => {
                    roots.push((root, Vec::new()));
                    roots.len() - 1
                }
            };
            roots[i].1.extend(own);
        };
        for path in paths {
            place(world.project_root(path), convert::uri(path).map(|u| (u, path.clone())));
        }
        if layout == Layout::MayChange {
            let placed = self.ledger.lock().unwrap_or_else(|e| e.into_inner()).placed();
            for (path, root) in placed {
                let now = world.project_root(&path);
                if now != root {
                    // both projects changed: the one the file left and the one it joined
                    world.invalidate_root(&now);
                    world.invalidate_root(&root);
                    place(now, None);
                    place(root, None);
                }
            }
        }
        // The generation is taken with the world locked: batches are numbered in the order of the edits.
        let generation = self.generation.fetch_add(1, Ordering::SeqCst);
        let mut batches = Vec::new();
        for (root, own) in roots {
            let snap = world.snapshot(&root);
            let mut files = Vec::new();
            for (id, file) in snap.project.sources.iter() {
                let Some(uri) = convert::uri(file.path()) else { continue };
                let diagnostics = snap
                    .analysis
                    .diagnostics
                    .iter()
                    .filter(|d| d.primary.file == id)
                    .map(|d| convert::diagnostic(&snap, d))
                    .collect();
                let version = snap.versions.get(&id).copied();
                files.push(FileDiagnostics { uri, path: file.path().to_path_buf(), diagnostics, version });
            }
            batches.push(Batch { generation, root, files, own });
        }
        batches
    }
}

/// Whether an event may change which project a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// An edit of an open buffer: the projects stay as they are.
    Same,
    /// A buffer opened or closed, files created, deleted or renamed, workspace folders changed.
    MayChange,
}

/// The `.journey` files on disk, for file operations.
fn journey_files() -> FileOperationRegistrationOptions {
    FileOperationRegistrationOptions {
        filters: vec![FileOperationFilter {
            scheme: Some("file".into()),
            pattern: FileOperationPattern { glob: "**/*.journey".into(), matches: None, options: None },
        }],
    }
}

fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> =
        params.workspace_folders.iter().flatten().filter_map(|f| convert::path(&f.uri)).collect();
    if roots.is_empty() {
        #[allow(deprecated)] // older clients send only rootUri
        roots.extend(params.root_uri.as_ref().and_then(convert::path));
    }
    roots
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offers_utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let unit = if offers_utf8 { ColumnUnit::Utf8 } else { ColumnUnit::Utf16 };
        *self.world() = World::new(workspace_roots(&params), unit);
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.can_watch.store(can_watch, Ordering::SeqCst);
        let capabilities = ServerCapabilities {
            position_encoding: Some(if offers_utf8 { PositionEncodingKind::UTF8 } else { PositionEncodingKind::UTF16 }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![".".into(), " ".into(), "{".into(), "(".into()]),
                ..CompletionOptions::default()
            }),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_highlight_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                SemanticTokensOptions {
                    legend: features::legend(),
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                },
            )),
            code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                // Renamed and deleted files clear their diagnostics (editors send these for their own file operations).
                file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                    did_rename: Some(journey_files()),
                    did_delete: Some(journey_files()),
                    ..WorkspaceFileOperationsServerCapabilities::default()
                }),
            }),
            ..ServerCapabilities::default()
        };
        Ok(InitializeResult {
            capabilities,
            server_info: Some(ServerInfo { name: "journey".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = convert::path(&doc.uri) else { return };
        self.world().open(path.clone(), doc.version, doc.text);
        self.publish(path, Layout::MayChange).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = convert::path(&params.text_document.uri) else { return };
        let applied = self.world().change(&path, params.text_document.version, params.content_changes);
        if applied == Applied::Yes {
            self.publish(path, Layout::Same).await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = convert::path(&params.text_document.uri) else { return };
        self.world().close(&path);
        self.publish(path, Layout::MayChange).await;
    }

    async fn initialized(&self, _: InitializedParams) {
        if !self.can_watch.load(Ordering::SeqCst) {
            return;
        }
        // Files changed outside the editor (a `git checkout`, another tool) update the diagnostics.
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.journey".into()), kind: None }],
        };
        let registration = Registration {
            id: "journey-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(e) = self.client.register_capability(vec![registration]).await {
            self.client.log_message(MessageType::WARNING, format!("journey: cannot watch files: {e}")).await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.world().invalidate_all();
        let changed = params.changes.iter().filter_map(|c| convert::path(&c.uri)).collect();
        self.republish(changed).await;
    }

    async fn did_rename_files(&self, params: RenameFilesParams) {
        self.world().invalidate_all();
        let paths = params
            .files
            .iter()
            .flat_map(|f| [f.old_uri.as_str(), f.new_uri.as_str()])
            .filter_map(|u| u.parse::<Uri>().ok())
            .filter_map(|u| convert::path(&u))
            .collect();
        self.republish(paths).await;
    }

    async fn did_delete_files(&self, params: DeleteFilesParams) {
        self.world().invalidate_all();
        let paths =
            params.files.iter().filter_map(|f| f.uri.parse::<Uri>().ok()).filter_map(|u| convert::path(&u)).collect();
        self.republish(paths).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut world = self.world();
            let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(|f| convert::path(&f.uri)).collect();
            world.roots.retain(|r| !removed.contains(r));
            for added in params.event.added.iter().filter_map(|f| convert::path(&f.uri)) {
                if !world.roots.contains(&added) {
                    world.roots.push(added);
                }
            }
            world.invalidate_all();
        }
        self.republish(Vec::new()).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        // Other files of the project may have changed on disk meanwhile.
        let Some(path) = convert::path(&params.text_document.uri) else { return };
        self.world().invalidate_all();
        self.publish(path, Layout::MayChange).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position_params)?;
            Ok(features::hover(&snap, id, offset).map(|(value, span)| Hover {
                contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
                range: Some(convert::range(snap.file(id), span, snap.unit)),
            }))
        })
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position_params)?;
            Ok(features::definition(&snap, id, offset).map(GotoDefinitionResponse::Scalar))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position)?;
            Ok(Some(features::references(&snap, id, offset, params.context.include_declaration)))
        })
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position_params)?;
            Ok(Some(features::highlights(&snap, id, offset)))
        })
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params)?;
            let Some((symbol, span)) = features::symbol_at(&snap, id, offset) else { return Ok(None) };
            if let Some(why) = features::rename_refused(&snap.analysis.program, &symbol) {
                return Err(invalid(why));
            }
            Ok(Some(PrepareRenameResponse::Range(convert::range(snap.file(id), span, snap.unit))))
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position)?;
            features::rename(&snap, id, offset, &params.new_name).map_err(invalid)
        })
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        guard(|| {
            let (snap, id) = self.file(&params.text_document.uri)?;
            Ok(Some(DocumentSymbolResponse::Nested(features::document_symbols(&snap, id))))
        })
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        guard(|| {
            let mut world = self.world();
            let mut out = Vec::new();
            for root in world.project_roots() {
                let snap = world.snapshot(&root);
                for (name, kind, location) in features::workspace_symbols(&snap, &params.query) {
                    out.push(WorkspaceSymbol {
                        name,
                        kind,
                        tags: None,
                        container_name: Some(
                            root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        ),
                        location: OneOf::Left(location),
                        data: None,
                    });
                }
            }
            Ok(Some(WorkspaceSymbolResponse::Nested(out)))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        guard(|| {
            let (snap, id) = self.file(&params.text_document.uri)?;
            match features::formatting(&snap, id) {
                Ok(edits) => Ok(Some(edits)),
                // A file with syntax errors is left as it is: its diagnostics say why.
                Err(_) if snap.project.parses[id.0 as usize].has_errors() => Ok(None),
                Err(e) => Err(internal(e)),
            }
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guard(|| {
            let (snap, id, span) = self.span(&params.text_document.uri, params.range)?;
            let actions = features::code_actions(&snap, id, span);
            Ok(Some(actions.into_iter().map(CodeActionOrCommand::CodeAction).collect()))
        })
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        guard(|| {
            let (snap, id, offset) = self.at(&params.text_document_position)?;
            Ok(Some(CompletionResponse::Array(features::completion(&snap, id, offset))))
        })
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        guard(|| {
            let (snap, id, span) = self.span(&params.text_document.uri, params.range)?;
            Ok(Some(features::inlay_hints(&snap, id, span)))
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        guard(|| {
            let (snap, id) = self.file(&params.text_document.uri)?;
            Ok(Some(features::folding_ranges(&snap, id)))
        })
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        guard(|| {
            let (snap, id) = self.file(&params.text_document.uri)?;
            Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data: features::semantic_tokens(&snap, id, None),
            })))
        })
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        guard(|| {
            let (snap, id, span) = self.span(&params.text_document.uri, params.range)?;
            Ok(Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
                result_id: None,
                data: features::semantic_tokens(&snap, id, Some(span)),
            })))
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        guard(|| {
            let (snap, id) = self.file(&params.text_document.uri)?;
            Ok(Some(features::code_lenses(&snap, id)))
        })
    }
}
