use journey_diagnostics::FileId;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mb = text.len() as f64 / 1e6;
    for _ in 0..3 {
        let t = Instant::now();
        let lexed = journey_syntax::lex(FileId(0), &text);
        let lex_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let parse = journey_syntax::parse(FileId(0), &text);
        let parse_s = t.elapsed().as_secs_f64();
        println!("lex {:.1} MB/s ({} tokens), lex+parse {:.1} MB/s ({} decls, {} diags)", mb / lex_s, lexed.tokens.len(), mb / parse_s, parse.tree.decls.len(), parse.diagnostics.len());
    }
}
