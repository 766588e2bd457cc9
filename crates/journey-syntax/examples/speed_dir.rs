use journey_diagnostics::FileId;
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let mb = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
    for _ in 0..3 {
        let t = Instant::now();
        let mut parses = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            parses.push(journey_syntax::parse(FileId(i as u32), text));
        }
        let s = t.elapsed().as_secs_f64();
        println!("lex+parse {:.1} MB/s over {} files", mb / s, texts.len());
        std::mem::forget(parses);
    }
}
