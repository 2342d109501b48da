//! Adds libglam-sys's library folder as an rpath of this crate's tests, so `cargo test` finds
//! libglam.so without LD_LIBRARY_PATH. Cargo passes it as DEP_GLAM_LIB_DIR because
//! libglam-sys declares `links = "glam"`.

fn main() {
    if let Some(lib_dir) = std::env::var_os("DEP_GLAM_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.to_string_lossy());
    }
}
