//! Correlation IDs on the lines of a scope and of the tasks spawned in it.

use serde_json::Value;
use twelve::correlation::{self, CorrelationId};

use crate::{capture, current_thread, parsed, with_logs};

#[test]
fn correlation_id_on_every_line_of_the_scope_and_helper_spawned_tasks() {
    let (lines, builder) = capture();
    let id = CorrelationId::parse("req-1").expect("valid");
    with_logs(builder, || {
        current_thread().block_on(async {
            tracing::info!("before");
            CorrelationId::scope(id.clone(), async {
                tracing::info!("inside");
                correlation::spawn(async { tracing::info!("helper task") })
                    .await
                    .expect("task");
                tokio::spawn(async { tracing::info!("bare task") })
                    .await
                    .expect("task");
            })
            .await;
            CorrelationId::in_scope(CorrelationId::parse("sync-2").expect("valid"), || {
                tracing::info!("sync");
            });
        });
    });
    let ids: Vec<(String, Option<String>)> = parsed(&lines)
        .iter()
        .map(|l| {
            (
                l["message"].as_str().unwrap_or_default().to_string(),
                l.get("correlation_id")
                    .and_then(Value::as_str)
                    .map(String::from),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("before".to_string(), None),
            ("inside".to_string(), Some("req-1".to_string())),
            ("helper task".to_string(), Some("req-1".to_string())),
            ("bare task".to_string(), None),
            ("sync".to_string(), Some("sync-2".to_string())),
        ]
    );
}

#[test]
fn app_spawn_keeps_the_correlation_id_of_its_scope() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        current_thread().block_on(async {
            let app = twelve::App::new(twelve::ServiceInfo::new("s", "1"), 0);
            CorrelationId::scope(CorrelationId::parse("job-5").expect("valid"), async {
                app.spawn("tracked", async { tracing::info!("in the tracked task") });
            })
            .await;
            app.shutdown().trigger();
            // Let the tracked task run.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
        });
    });
    let all = parsed(&lines);
    let line = all
        .iter()
        .find(|l| l["message"] == "in the tracked task")
        .expect("the task logged");
    assert_eq!(line["correlation_id"], "job-5");
}
