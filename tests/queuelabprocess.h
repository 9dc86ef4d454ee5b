#pragma once

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include <csignal>

// The real queuelab binary as a child process, for end-to-end tests.
class QueueLabProcess
{
public:
    ~QueueLabProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    static QString binary() { return qEnvironmentVariable("QUEUELAB_BINARY"); }

    // Starts `queuelab --headless --port 0 <args>` and waits for its "listening on" line.
    bool start(const QStringList& args)
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(binary(),
            QStringList { QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0") } + args);
        if (!m_process.waitForStarted(10000))
            return false;
        static const QRegularExpression line(
            QStringLiteral("^listening on (http://\\S+)$"), QRegularExpression::MultilineOption);
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 15000) {
            m_stdout += m_process.readAllStandardOutput();
            const auto match = line.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch()) {
                m_url = QUrl(match.captured(1));
                return true;
            }
            if (m_process.state() == QProcess::NotRunning)
                return false;
            m_process.waitForReadyRead(100);
        }
        return false;
    }

    void signal(int signal) { ::kill(pid_t(m_process.processId()), signal); }
    bool waitForExit(int timeoutMs = 30000)
    {
        return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
    }
    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    QByteArray standardError() { return m_process.readAllStandardError(); }
    // The end of what it wrote to stderr, for a failure message: a sanitizer's report, say.
    QByteArray errorTail() { return m_process.readAllStandardError().right(4000); }
    QUrl url() const { return m_url; }
    // tcp://ADDR:PORT from its "faktory listening on" line; empty until that line came.
    QString faktoryAddress()
    {
        m_stdout += m_process.readAllStandardOutput();
        static const QRegularExpression line(
            QStringLiteral("^faktory listening on (tcp://\\S+)$"), QRegularExpression::MultilineOption);
        return line.match(QString::fromUtf8(m_stdout)).captured(1);
    }
    QProcess& process() { return m_process; }

private:
    QProcess m_process;
    QByteArray m_stdout;
    QUrl m_url;
};
