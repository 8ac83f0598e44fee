//! Parse-worker slices: what a worker answers is what parsing in place gives.

use sha2::{Digest as _, Sha256};
use skillport_connector::catalog::slices::*;
use skillport_connector::zipball::Zipball;
use skillport_test::zipball;

#[test]
fn a_slice_parses_to_what_parsing_in_place_gives() {
    let files: [(&str, &[u8], bool); 4] = [
        ("skills/renamed/SKILL.md", b"---\nname: other\ndescription: O\n---\n", false),
        ("plugins/g/skills/a/SKILL.md", b"---\nname: a\ndescription: A\nextra: 1\n---\n", false),
        ("plugins/g/skills/b/SKILL.md", b"---\nname: [unclosed\n---\n", false),
        ("plugins/g/skills/a/notes.md", b"not asked for", false),
    ];
    let mut snapshot = Zipball::from_zip(zipball("acme-skills-1234567", &files)).unwrap();
    // Any order: answers keep the slice's.
    let asked = ["plugins/g/skills/b/SKILL.md", "skills/renamed/SKILL.md", "plugins/g/skills/a/SKILL.md"];
    let mut work: Vec<Work> = asked.iter().map(|p| Work { file: snapshot.file(p).unwrap(), parse: true }).collect();
    work.push(Work { file: snapshot.file("plugins/g/skills/a/notes.md").unwrap(), parse: false });
    let answer = read_answer(&parse_slice(&slice(&snapshot, &work).unwrap()).unwrap()).unwrap();

    assert_eq!(answer.len(), work.len());
    for (item, file) in work.iter().zip(&answer) {
        let path = snapshot.path(item.file).to_string();
        let bytes = snapshot.read(&path).unwrap();
        assert_eq!(*file, read_file(&bytes, &path, snapshot.stamp_of(item.file), item.parse), "{path}");
        assert_eq!(file.sha256.0, <[u8; 32]>::from(Sha256::digest(&bytes)));
    }
    assert!(matches!(&answer[0].parsed, Some(Err(e)) if e.contains("not valid YAML")), "{:?}", answer[0]);
    let Some(Ok(renamed)) = &answer[1].parsed else { panic!("{:?}", answer[1]) };
    assert_eq!(renamed.name, "other", "the frontmatter name, not the folder");
    assert!(renamed.warnings.iter().any(|w| w.contains("differs from its folder `renamed`")), "{renamed:?}");
    let Some(Ok(a)) = &answer[2].parsed else { panic!("{:?}", answer[2]) };
    assert_eq!((a.name.as_str(), a.warnings.len()), ("a", 1), "unknown keys are warnings");
    assert_eq!(
        a.frontmatter.as_deref(),
        Ok(r#"{"name":"a","description":"A","extra":1}"#),
        "the frontmatter as written"
    );
    assert_eq!(answer[3].parsed, None, "a file that is not a SKILL.md is only digested");
}

#[test]
fn slices_are_cut_by_files_and_by_cost() {
    let big = vec![b'x'; 600 * 1024];
    let mut files: Vec<(String, Vec<u8>)> =
        (0..450).map(|i| (format!("s/{i:03}/SKILL.md"), b"---\nname: a\n---\n".to_vec())).collect();
    files.push(("t/big.bin".into(), big.clone()));
    files.push(("t/big2.bin".into(), big));
    let entries: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice(), false)).collect();
    let snapshot = Zipball::from_zip(zipball("top", &entries)).unwrap();
    let work: Vec<Work> =
        files.iter().map(|(p, _)| Work { file: snapshot.file(p).unwrap(), parse: p.ends_with("SKILL.md") }).collect();
    let cut = split(&snapshot, &work).unwrap();
    let lengths: Vec<usize> = cut.iter().map(|s| read_answer(&parse_slice(s).unwrap()).unwrap().len()).collect();
    assert_eq!(lengths, [200, 200, 50, 1, 1], "200 files at most, and a 600 KB file (4.1 ms) fits beside no other");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(matches!(parse_slice(b"\xff\xff\xff"), Err(SliceError::Encoding(_))));
    assert!(matches!(read_answer(&[0xff, 0xff, 0xff]), Err(SliceError::Encoding(_))));
}
