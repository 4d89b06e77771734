//! `mapisvc print | merge <MAPISVC.INF> | remove <MAPISVC.INF>` for the sample store: its
//! MAPISVC.INF sections come from `sample_store::SERVICE`, never from a hand-written file.

fn main() -> std::process::ExitCode {
    mapi_spi_runtime::provider::service::inf::command(&sample_store::SERVICE, std::env::args())
}
