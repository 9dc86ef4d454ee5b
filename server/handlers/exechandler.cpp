#include "exechandler.h"

#include "defaultlimits.h"
#include "handlers/payloadfields.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QProcess>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace {

constexpr int pollMs = 10; // how often a running program is checked for cancel and output

IntegerField execTimeout(const QJsonValue& payload)
{
    return integerField(payload, QLatin1StringView("timeout_ms"), 0, Limits::maxTimeoutMs, -1);
}

// Reads what a stream has, keeping at most the cap; the rest is drained and dropped.
struct CappedOutput
{
    QByteArray bytes;
    bool truncated = false;

    void append(const QByteArray& chunk)
    {
        const qint64 room = Limits::maxExecOutputBytes - bytes.size();
        if (chunk.size() > room)
            truncated = true;
        bytes.append(chunk.left(std::max<qint64>(0, room)));
    }
    QJsonValue toJson() const
    {
        QString text = QString::fromUtf8(bytes);
        if (truncated)
            text += QStringLiteral("\n[output truncated at %1 bytes]").arg(Limits::maxExecOutputBytes);
        return text;
    }
};

// The program and every process it started that is still in its group. While the program has
// not been reaped (it is running), its pid is its group's id and cannot have been reused.
void killGroup(QProcess& process)
{
    if (const qint64 pid = process.processId(); pid > 0 && process.state() != QProcess::NotRunning)
        ::kill(-pid_t(pid), SIGKILL);
    process.kill();
}

} // namespace

QString ExecHandler::disabledReason() const
{
    return m_allowed
        ? QString()
        : QStringLiteral("the exec job type is disabled; start QueueLab with --allow-exec to run programs");
}

QString ExecHandler::validatePayload(const QJsonValue& payload) const
{
    const QJsonObject object = payload.toObject();
    if (!payload.isObject() || !object.value(QLatin1StringView("program")).isString()
        || object.value(QLatin1StringView("program")).toString().isEmpty())
        return QStringLiteral("payload.program must be the program to run (no shell is involved)");
    // execve() ends each string at a NUL: what ran would be shorter than what was stored.
    if (object.value(QLatin1StringView("program")).toString().contains(QChar(0)))
        return QStringLiteral("payload.program must not contain a NUL character");
    const QJsonValue args = object.value(QLatin1StringView("args"));
    if (!args.isUndefined()) {
        if (!args.isArray())
            return QStringLiteral("payload.args must be an array of strings");
        const QJsonArray list = args.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (!list.at(i).isString())
                return QStringLiteral("payload.args must be an array of strings");
            if (list.at(i).toString().contains(QChar(0)))
                return QStringLiteral("payload.args[%1] must not contain a NUL character").arg(i);
        }
    }
    const QJsonValue input = object.value(QLatin1StringView("stdin"));
    if (!input.isUndefined() && !input.isString())
        return QStringLiteral("payload.stdin must be a string");
    return execTimeout(payload).problem;
}

QJsonValue ExecHandler::examplePayload() const
{
    return QJsonObject { { QStringLiteral("program"), QStringLiteral("/bin/echo") },
        { QStringLiteral("args"), QJsonArray { QStringLiteral("hello"), QStringLiteral("world") } },
        { QStringLiteral("stdin"), QString() }, { QStringLiteral("timeout_ms"), 5000 } };
}

JobOutcome ExecHandler::run(const JobContext& context) const
{
    const QJsonObject payload = context.payload().toObject();
    QStringList args;
    for (const QJsonValue& arg : payload.value(QLatin1StringView("args")).toArray())
        args.append(arg.toString());
    const qint64 timeoutMs = execTimeout(context.payload()).value.value_or(-1);
    const QDeadlineTimer deadline = timeoutMs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(timeoutMs);

    QProcess process; // used without an event loop: the waitFor* calls drive it on this thread
    // A group of its own, so that a timeout or cancel ends what the program started too.
    process.setChildProcessModifier([] { ::setpgid(0, 0); });
    process.start(payload.value(QLatin1StringView("program")).toString(), args, QIODevice::ReadWrite);
    if (!process.waitForStarted(5000))
        return JobOutcome::failure(QStringLiteral("exec_failed"), process.errorString());
    process.write(payload.value(QLatin1StringView("stdin")).toString().toUtf8());
    process.closeWriteChannel();

    CappedOutput out;
    CappedOutput err;
    std::optional<JobError> stopped;
    while (!process.waitForFinished(pollMs)) {
        out.append(process.readAllStandardOutput());
        err.append(process.readAllStandardError());
        if (context.isStopped() || deadline.hasExpired()) {
            if (deadline.hasExpired())
                stopped = JobError { QStringLiteral("timeout"),
                    QStringLiteral("the program ran longer than payload.timeout_ms = %1").arg(timeoutMs) };
            killGroup(process);
            process.waitForFinished(5000);
            break;
        }
        if (process.state() == QProcess::NotRunning)
            break;
    }
    out.append(process.readAllStandardOutput());
    err.append(process.readAllStandardError());

    const bool crashed = process.exitStatus() == QProcess::CrashExit;
    QJsonObject result { { QStringLiteral("exit_code"), crashed ? QJsonValue() : QJsonValue(process.exitCode()) },
        { QStringLiteral("stdout"), out.toJson() }, { QStringLiteral("stderr"), err.toJson() } };
    if (stopped)
        return { result, stopped };
    if (context.isStopped())
        return { result, JobError { QStringLiteral("stopped"), QStringLiteral("the program was killed") } };
    if (crashed)
        return { result, JobError { QStringLiteral("exec_crashed"), process.errorString() } };
    if (process.exitCode() != 0)
        return { result,
            JobError { QStringLiteral("exit_code"),
                QStringLiteral("the program exited with code %1").arg(process.exitCode()) } };
    return JobOutcome::success(result);
}
