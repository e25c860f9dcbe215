//! The tokio runtime's stable metrics, read at scrape time from the runtime the scrape
//! is served on: `tokio_workers`, `tokio_alive_tasks`, `tokio_global_queue_depth`.

use super::text;

pub(super) fn render(out: &mut String) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let metrics = handle.metrics();
    let families: [(&str, &str, usize); 3] = [
        (
            "tokio_workers",
            "Worker threads of the tokio runtime.",
            metrics.num_workers(),
        ),
        (
            "tokio_alive_tasks",
            "Tasks of the tokio runtime that are alive (spawned and not finished).",
            metrics.num_alive_tasks(),
        ),
        (
            "tokio_global_queue_depth",
            "Tasks waiting in the tokio runtime's global queue.",
            metrics.global_queue_depth(),
        ),
    ];
    for (name, help, value) in families {
        text::family(out, name, "gauge", help);
        text::sample(out, name, &[], u64::try_from(value).unwrap_or(u64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_nothing_is_rendered() {
        let mut out = String::new();
        render(&mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn a_runtime_s_workers_and_tasks_are_rendered() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(3)
            .build()
            .expect("a runtime");
        let out = runtime.block_on(async {
            let mut out = String::new();
            render(&mut out);
            out
        });
        assert!(out.contains("\ntokio_workers 3\n"), "{out}");
        assert!(out.contains("\ntokio_alive_tasks "), "{out}");
        assert!(out.contains("\ntokio_global_queue_depth "), "{out}");
    }
}
