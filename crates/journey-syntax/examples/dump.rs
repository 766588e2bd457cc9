use journey_diagnostics::{FileId, SourceFile, SourceMap};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let parse = journey_syntax::parse(FileId(0), &text);
    if std::env::args().nth(2).is_some() { println!("{:#?}", parse.tree); }
    let mut map = SourceMap::new();
    map.add(SourceFile::new(path, text));
    let mut out = Vec::new();
    journey_diagnostics::render::render_human(&map, &parse.diagnostics, false, &mut out).unwrap();
    print!("{}", String::from_utf8(out).unwrap());
    println!("{} decls, {} diagnostics", parse.tree.decls.len(), parse.diagnostics.len());
}
