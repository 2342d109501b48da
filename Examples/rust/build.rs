//! Adds the folder with libglam.so as an rpath so the binary runs without LD_LIBRARY_PATH:
//! LIBGLAM_LIB_DIR when set, else dist/lib of this repository (built by `make lib`).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBGLAM_LIB_DIR");
    let lib_dir = match std::env::var_os("LIBGLAM_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../dist/lib"),
    };
    let lib_dir = lib_dir.canonicalize().unwrap_or(lib_dir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
}
