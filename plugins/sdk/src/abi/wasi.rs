//! The preopened directories (Fluent Bit's `Accessible_Paths`), in order.

#[repr(C)]
struct Prestat {
    tag: u8,
    name_len: u32,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_prestat_get(fd: u32, out: *mut Prestat) -> u16;
    fn fd_prestat_dir_name(fd: u32, path: *mut u8, len: usize) -> u16;
}

/// Guest names of the preopened directories, in the order the host opened them (fd 3, 4, ...).
pub(crate) fn preopened_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    for fd in 3u32..1024 {
        let mut stat = Prestat { tag: 0, name_len: 0 };
        // SAFETY: `stat` is a valid out-pointer of the layout WASI preview1 defines.
        if unsafe { fd_prestat_get(fd, &mut stat) } != 0 {
            break;
        }
        if stat.tag != 0 {
            continue;
        }
        let mut name = vec![0u8; stat.name_len as usize];
        // SAFETY: `name` has exactly the length the host reported.
        if unsafe { fd_prestat_dir_name(fd, name.as_mut_ptr(), name.len()) } != 0 {
            continue;
        }
        // Some hosts include a trailing NUL in the length.
        while name.last() == Some(&0) {
            name.pop();
        }
        dirs.push(String::from_utf8_lossy(&name).into_owned());
    }
    dirs
}
