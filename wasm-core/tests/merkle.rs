//! RFC 6962 hashing against the reference tree and the transparency-dev/merkle vectors.
//! They run natively and, through wasm-bindgen-test, in headless Chromium.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use serde::Deserialize;
use wasm_core::hash::Digest256;
use wasm_core::tlog::merkle::{empty_root, leaf_hash, node_hash, root_from_leaf_hashes};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[derive(Deserialize)]
struct ReferenceTree {
    leaves: Vec<String>,
    roots: Vec<String>,
}

fn reference_tree() -> (Vec<Vec<u8>>, Vec<String>) {
    let tree: ReferenceTree = serde_json::from_str(include_str!("vectors/rfc6962-reference-tree.json"))
        .expect("reference tree file is valid JSON");
    let leaves = tree.leaves.iter().map(|l| hex::decode(l).expect("hex leaf")).collect();
    (leaves, tree.roots)
}

/// One tree head: the first `size` reference leaves must hash to `expected` (hex).
fn check(leaves: &[Vec<u8>], size: usize, expected: &str) {
    let hashes: Vec<Digest256> = leaves[..size].iter().map(|l| leaf_hash(l)).collect();
    assert_eq!(hex::encode(root_from_leaf_hashes(&hashes)), expected, "tree size {size}");
}

#[test]
fn reference_tree_roots_for_every_size() {
    let (leaves, roots) = reference_tree();
    assert_eq!(roots.len(), leaves.len() + 1);
    for (size, root) in roots.iter().enumerate() {
        check(&leaves, size, root);
    }
}

#[test]
fn empty_tree_and_single_leaf() {
    assert_eq!(hex::encode(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(
        hex::encode(leaf_hash(b"")),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
}

#[test]
fn node_hash_uses_the_interior_prefix_and_order() {
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut preimage = vec![0x01];
    preimage.extend_from_slice(&a);
    preimage.extend_from_slice(&b);
    assert_eq!(node_hash(&a, &b), wasm_core::hash::sha256(&preimage));
    assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    // A leaf holding the bytes of a node must not hash like that node.
    assert_ne!(leaf_hash(&preimage[1..]), node_hash(&a, &b));
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionHappyPath {
    leaf_idx: usize,
    tree_size: usize,
    root: String,
    leaf_hash: String,
}

#[derive(Deserialize)]
struct ConsistencyHappyPath {
    size1: usize,
    size2: usize,
    root1: String,
    root2: String,
}

fn hex_of_base64(b64: &str) -> String {
    hex::encode(BASE64.decode(b64).expect("base64 hash"))
}

#[test]
fn upstream_happy_path_roots_and_leaves_match_our_hashing() {
    let (leaves, _) = reference_tree();
    let inclusion = [
        include_str!("vectors/merkle/inclusion/0/happy-path.json"),
        include_str!("vectors/merkle/inclusion/1/happy-path.json"),
        include_str!("vectors/merkle/inclusion/2/happy-path.json"),
        include_str!("vectors/merkle/inclusion/3/happy-path.json"),
        include_str!("vectors/merkle/inclusion/4/happy-path.json"),
    ];
    for text in inclusion {
        let v: InclusionHappyPath = serde_json::from_str(text).expect("inclusion vector");
        check(&leaves, v.tree_size, &hex_of_base64(&v.root));
        assert_eq!(hex::encode(leaf_hash(&leaves[v.leaf_idx])), hex_of_base64(&v.leaf_hash));
    }
    let consistency = [
        include_str!("vectors/merkle/consistency/0/happy-path.json"),
        include_str!("vectors/merkle/consistency/1/happy-path.json"),
        include_str!("vectors/merkle/consistency/2/happy-path.json"),
        include_str!("vectors/merkle/consistency/3/happy-path.json"),
        include_str!("vectors/merkle/consistency/4/happy-path.json"),
    ];
    for text in consistency {
        let v: ConsistencyHappyPath = serde_json::from_str(text).expect("consistency vector");
        check(&leaves, v.size1, &hex_of_base64(&v.root1));
        check(&leaves, v.size2, &hex_of_base64(&v.root2));
    }
}

/// The iterative root must equal the RFC's recursive definition for every size up to 70.
#[test]
fn iterative_root_equals_recursive_definition() {
    fn recursive(leaves: &[Digest256]) -> Digest256 {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let split = n.next_power_of_two() / 2;
                node_hash(&recursive(&leaves[..split]), &recursive(&leaves[split..]))
            }
        }
    }
    let leaves: Vec<Digest256> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    for size in 0..=leaves.len() {
        assert_eq!(root_from_leaf_hashes(&leaves[..size]), recursive(&leaves[..size]), "size {size}");
    }
}

#[test]
fn tree_head_of_lines_reads_text_and_hex_lines() {
    use wasm_core::tlog::merkle::{tree_head_of_lines, LineEncoding, MerkleError};
    let (leaves, roots) = reference_tree();
    // The reference leaves in hex, one per line; the first (empty) leaf is an empty line.
    let hex_lines: String = leaves.iter().map(|l| format!("{}\n", hex::encode(l))).collect();
    let head = tree_head_of_lines(&hex_lines, LineEncoding::Hex).expect("valid hex lines");
    assert_eq!(head.size, 8);
    assert_eq!(hex::encode(head.root), roots[8]);

    let text = tree_head_of_lines("a\nb\n", LineEncoding::Text).expect("text never fails");
    assert_eq!(text.size, 2);
    assert_eq!(text.root, node_hash(&leaf_hash(b"a"), &leaf_hash(b"b")));
    assert_eq!(tree_head_of_lines("", LineEncoding::Text).map(|h| h.size), Ok(0));

    let error = tree_head_of_lines("00\nzz\n", LineEncoding::Hex).expect_err("zz is not hex");
    assert_eq!(error, MerkleError::LineNotHex { line: 2 });
    assert!(error.to_string().contains("line 2"));
}
