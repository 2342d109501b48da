//! Links libglam.so: from LIBGLAM_LIB_DIR when set, else from dist/lib of the repository
//! these bindings live in (built by `make lib`).

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBGLAM_LIB_DIR");

    let lib_dir = match env::var_os("LIBGLAM_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            // bindings/rust/libglam-sys -> repository root is three folders up.
            let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
            manifest_dir.join("../../../dist/lib")
        }
    };
    let lib_dir = lib_dir.canonicalize().unwrap_or(lib_dir);

    if !lib_dir.join("libglam.so").is_file() {
        println!(
            "cargo:warning=libglam.so not found in {}; run `make lib` in the libglam repository or set LIBGLAM_LIB_DIR",
            lib_dir.display()
        );
    }
    println!("cargo:rerun-if-changed={}", lib_dir.join("libglam.so").display());
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=glam");
    // rpath for this crate's own tests; dependents read DEP_GLAM_LIB_DIR in their build.rs.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    println!("cargo:lib_dir={}", lib_dir.display());
}
