//! The example worker: a queue consumer with no HTTP server of its own.
//!
//! A producer task puts a job on an in-process queue every `JOB_INTERVAL`, each message
//! carrying the headers of the scope that sent it (`outgoing_headers()`: the correlation
//! ID and the W3C `traceparent`), as a message on Kafka, SQS or RabbitMQ would. The
//! consumer runs each job in the scope `Context::from_headers` makes of them: every line
//! of a job carries the producer's `correlation_id` and `trace_id`, with a span of its
//! own. The health endpoints are served on `$PORT` with `app.serve_health`. On SIGTERM
//! the worker finishes the job in hand, then exits 0.
//!
//! ```sh
//! cargo run --example worker
//! ```

use tokio::sync::mpsc;
use twelve::App;
use twelve::correlation::{self, Context, CorrelationId};

mod settings;

use settings::Settings;

/// A message on the queue: the job and the headers it was sent with.
struct Message {
    job: u64,
    headers: Vec<(&'static str, String)>,
}

#[twelve::main]
async fn main(settings: Settings, app: App) -> Result<(), std::io::Error> {
    let address = app.serve_health(app.port()).await?;
    tracing::info!(%address, "health endpoints up");
    app.health().set_ready(true);
    let shutdown = app.shutdown();

    // The producer: one new job per interval, each sent from a scope of its own (a new
    // correlation ID and trace), its context in the message's headers.
    let (queue, mut received) = mpsc::channel::<Message>(1);
    let interval = settings.job_interval;
    let stop = shutdown.clone();
    app.spawn("producer", async move {
        for job in 1u64.. {
            tokio::select! {
                () = stop.wait() => break,
                () = tokio::time::sleep(interval) => {}
            }
            let message = CorrelationId::scope(CorrelationId::new(), async {
                tracing::info!(job, "job queued");
                Message {
                    job,
                    headers: correlation::outgoing_headers().into_iter().collect(),
                }
            })
            .await;
            if queue.send(message).await.is_err() {
                break;
            }
        }
    });

    // The consumer: each job in the context its message came with. The job in hand is
    // not raced against shutdown: it always finishes.
    let mut jobs = 0u64;
    loop {
        let message = tokio::select! {
            () = shutdown.wait() => break,
            message = received.recv() => match message {
                Some(message) => message,
                None => break,
            },
        };
        jobs += 1;
        let context = Context::from_headers(&message.headers);
        correlation::scope_context(context, async {
            tracing::info!(job = message.job, "job started");
            tokio::time::sleep(settings.job_duration).await;
            tracing::info!(job = message.job, "job done");
        })
        .await;
    }
    tracing::info!(jobs, "worker stopping");
    Ok(())
}
