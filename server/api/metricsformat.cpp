#include "metricsformat.h"

namespace {

void family(QByteArray& out, const char* name, const char* type, const char* help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(QByteArray& out, const QByteArray& name, double value)
{
    out += name;
    out += ' ';
    out += QByteArray::number(value, 'g', 12);
    out += '\n';
}

void histogram(QByteArray& out, const char* name, const char* help, const Engine::Histogram& h)
{
    family(out, name, "histogram", help);
    const QByteArray base(name);
    for (qsizetype i = 0; i < h.bounds.size(); ++i)
        sample(out, base + "_bucket{le=\"" + QByteArray::number(h.bounds[i], 'g', 6) + "\"}", double(h.cumulative[i]));
    sample(out, base + "_bucket{le=\"+Inf\"}", double(h.count));
    sample(out, base + "_sum", h.sum);
    sample(out, base + "_count", double(h.count));
}

} // namespace

QByteArray engineMetricsText(const Engine& engine)
{
    const EngineStats stats = engine.stats();
    QByteArray out;
    out.reserve(4096);

    family(out, "queuelab_jobs", "gauge", "Jobs by status (finished ones as stored).");
    for (int i = 0; i < jobStatusCount; ++i) {
        const auto status = static_cast<JobStatus>(i);
        sample(out, "queuelab_jobs{status=\"" + QByteArray(statusName(status).data()) + "\"}",
            double(stats.counts[std::size_t(i)]));
    }
    family(out, "queuelab_queue_jobs", "gauge", "Jobs waiting in each named queue, by state.");
    for (const QueueInfo& queue : engine.queues()) {
        const QByteArray label = "{queue=\"" + queue.name.toUtf8() + "\",state=\"";
        sample(out, "queuelab_queue_jobs" + label + "queued\"}", double(queue.depth));
        sample(out, "queuelab_queue_jobs" + label + "scheduled\"}", double(queue.scheduled));
        sample(out, "queuelab_queue_jobs" + label + "running\"}", double(queue.running));
    }
    family(out, "queuelab_queue_depth", "gauge", "Jobs ready to run, waiting for a worker.");
    sample(out, "queuelab_queue_depth", double(stats.queueDepth));
    family(out, "queuelab_workers", "gauge", "Worker pool size.");
    sample(out, "queuelab_workers", stats.workerCount);
    family(out, "queuelab_workers_busy", "gauge", "Workers running a job.");
    sample(out, "queuelab_workers_busy", stats.busyWorkers);
    const WorkerCounts workers = engine.workerCounts();
    family(out, "queuelab_external_workers", "gauge", "External workers by state.");
    sample(out, "queuelab_external_workers{state=\"idle\"}", workers.idle);
    sample(out, "queuelab_external_workers{state=\"busy\"}", workers.busy);
    sample(out, "queuelab_external_workers{state=\"quiet\"}", workers.quiet);
    sample(out, "queuelab_external_workers{state=\"gone\"}", workers.gone);
    family(out, "queuelab_leases", "gauge", "Jobs leased to external workers now.");
    sample(out, "queuelab_leases", workers.leases);
    family(out, "queuelab_leases_granted_total", "counter", "Leases granted to external workers since start.");
    sample(out, "queuelab_leases_granted_total", double(workers.leasesGranted));
    family(out, "queuelab_lease_expiries_total", "counter",
        "Leases that ran out or whose worker was gone (lease_expired) since start.");
    sample(out, "queuelab_lease_expiries_total", double(workers.leaseExpiries));
    family(out, "queuelab_jobs_submitted_total", "counter", "Jobs accepted since start.");
    sample(out, "queuelab_jobs_submitted_total", double(stats.submittedTotal));
    family(out, "queuelab_jobs_finished_total", "counter", "Jobs finished since start.");
    sample(out, "queuelab_jobs_finished_total", double(stats.finishedTotal));
    family(out, "queuelab_faults_active", "gauge", "Injected faults switched on now.");
    sample(out, "queuelab_faults_active", double(engine.faults().size()));
    family(out, "queuelab_faults_injected_total", "counter",
        "Failures injected by faults since start, by kind (attempts failed or delayed, requests refused, "
        "dropped or delayed, leases expired or emptied).");
    const FaultCounts injected = engine.faultCounts();
    for (int i = 0; i < faultKindCount; ++i)
        sample(out, "queuelab_faults_injected_total{kind=\"" + faultKindName(FaultKind(i)).toLatin1() + "\"}",
            double(injected[std::size_t(i)]));
    histogram(out, "queuelab_job_wait_seconds", "Time from due to start of each attempt.", engine.waitHistogram());
    histogram(out, "queuelab_job_run_seconds", "Run time of each attempt.", engine.runHistogram());
    return out;
}
