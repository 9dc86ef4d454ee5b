#include "jobsemanticstest.h"

// The exec job type: arguments without a shell, stdin, output caps, exit codes, timeouts and cancels that end the
// program, and --allow-exec, through real HTTP against a real server on 127.0.0.1, port 0.
class TestExec : public JobSemanticsTest
{
    Q_OBJECT

private Q_SLOTS:
    void execNeedsAllowExecAfterARestartToo()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("jobs.db"));
        const QString ranMarker = dir.filePath(QStringLiteral("ran"));
        const auto sqliteStore = [&] { return std::make_unique<SqliteJobStore>(db, SqliteJobStore::Sync::Normal); };
        QVERIFY(restart(baseConfig(), sqliteStore()));
        const QString failed = submittedId(execSpec(QStringLiteral("/bin/false")));
        QCOMPARE(str(finished(failed), "status"), QStringLiteral("failed"));
        m_http.post(QStringLiteral("/queues/held/pause"), {});
        QJsonObject queuedSpec = execSpec(QStringLiteral("/usr/bin/touch"), { ranMarker });
        queuedSpec.insert(QStringLiteral("queue"), QStringLiteral("held"));
        const QString queued = submittedId(queuedSpec);
        QJsonObject delayedSpec = execSpec(QStringLiteral("/usr/bin/touch"), { ranMarker });
        delayedSpec.insert(QStringLiteral("delay_ms"), 60000);
        const QString delayed = submittedId(delayedSpec);

        // Restored by a server without --allow-exec (a pause is not kept: the queued one would run).
        EngineConfig withoutExec = baseConfig();
        withoutExec.handlers.allowExec = false;
        QVERIFY(restart(withoutExec, sqliteStore()));
        for (const QString& id : { queued, delayed }) {
            const QJsonObject restored = finished(id);
            QCOMPARE(str(restored, "status"), QStringLiteral("failed"));
            QCOMPARE(errorCode(restored), QStringLiteral("type_disabled"));
            QVERIFY2(str(obj(restored, "error"), "message").contains(QStringLiteral("--allow-exec")),
                qPrintable(str(obj(restored, "error"), "message")));
        }
        const HttpResult refused = retry(failed);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
        QVERIFY2(refused.errorMessage().contains(QStringLiteral("--allow-exec")), qPrintable(refused.errorMessage()));
        QCOMPARE(statusOf(failed), QStringLiteral("failed"));
        QCOMPARE(count(QStringLiteral("queued")) + count(QStringLiteral("scheduled")), 0);
        QVERIFY(!QFile::exists(ranMarker));
        cleanup(); // closes the store before its directory goes
    }

    void cancelExecKillsTheProgram()
    {
        const QStringList argv = { QStringLiteral("/bin/sleep"), QStringLiteral("30") };
        const QString id = submittedId(execSpec(argv[0], argv.mid(1)));
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        QTRY_COMPARE(childProcesses(argv), 1);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(cancel(id).status, 202);
        const QJsonObject cancelled = finished(id);
        QCOMPARE(str(cancelled, "status"), QStringLiteral("cancelled"));
        // The program would sleep for 30 s if it were not killed.
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QStringLiteral("took %1 ms").arg(timer.elapsed())));
        QCOMPARE(childProcesses(argv), 0); // killed and reaped, not left behind
    }

    void execTimeoutAndCancelEndWhatTheProgramStarted_data()
    {
        QTest::addColumn<bool>("cancelled"); // else timed out
        QTest::newRow("cancel") << true;
        QTest::newRow("timeout") << false;
    }

    void execTimeoutAndCancelEndWhatTheProgramStarted()
    {
        QFETCH(bool, cancelled);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString pidFile = dir.filePath(QStringLiteral("pid"));
        // A child that would outlive its parent: killing the shell alone leaves it running.
        QJsonObject spec = execSpec(QStringLiteral("/bin/sh"),
            { QStringLiteral("-c"), QStringLiteral("sleep 100 & echo $! > \"$0\"; wait"), pidFile });
        if (!cancelled)
            spec.insert(QStringLiteral("timeout_ms"), 1000);
        const QString id = submittedId(spec);
        qint64 grandchild = 0;
        QTRY_VERIFY([&] {
            QFile file(pidFile);
            return file.open(QIODevice::ReadOnly) && (grandchild = file.readAll().trimmed().toLongLong()) > 0;
        }());
        QVERIFY(processAlive(grandchild));
        if (cancelled)
            QCOMPARE(cancel(id).status, 202);
        const QJsonObject done = finished(id);
        QCOMPARE(str(done, "status"), cancelled ? QStringLiteral("cancelled") : QStringLiteral("failed"));
        const bool gone = QTest::qWaitFor([&] { return !processAlive(grandchild); }, 5000);
        if (!gone)
            ::kill(pid_t(grandchild), SIGKILL); // leave nothing behind, then fail
        QVERIFY2(gone, "the program's child outlived the job");
    }

    void execRefusesANul_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        QTest::addColumn<QString>("field");
        QTest::newRow("program") << execSpec(QStringLiteral("/bin/echo") + QChar(0) + QStringLiteral("x"))
                                 << QStringLiteral("payload.program");
        QTest::newRow("args") << execSpec(QStringLiteral("/bin/echo"),
            { QStringLiteral("a"), QStringLiteral("rm") + QChar(0) + QStringLiteral("-rf") })
                              << QStringLiteral("payload.args[1]");
    }

    void execRefusesANul()
    {
        QFETCH(QJsonObject, spec);
        QFETCH(QString, field);
        const HttpResult refused = m_http.postJson(QStringLiteral("/jobs"), spec);
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.errorCode(), QStringLiteral("invalid_field"));
        QVERIFY2(refused.errorMessage().contains(field), qPrintable(refused.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
    }

    void execEchoesArguments()
    {
        const QJsonObject done = finished(
            submittedId(execSpec(QStringLiteral("/bin/echo"), { QStringLiteral("hello"), QStringLiteral("world") })));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        const QJsonObject result = obj(done, "result");
        QCOMPARE(result.value(QLatin1StringView("exit_code")).toInt(-1), 0);
        QCOMPARE(str(result, "stdout"), QStringLiteral("hello world\n"));
        QCOMPARE(str(result, "stderr"), QString());
    }

    void execFeedsStdin()
    {
        const QString input = QStringLiteral("line one\nline two ✓\n");
        const QJsonObject done
            = finished(submittedId(execSpec(QStringLiteral("/bin/cat"), {}, { { QStringLiteral("stdin"), input } })));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(obj(done, "result"), "stdout"), input);
    }

    void execNonZeroExitFailsWithItsOutput()
    {
        const QJsonObject done = finished(submittedId(execSpec(
            QStringLiteral("/bin/sh"), { QStringLiteral("-c"), QStringLiteral("echo out; echo err >&2; exit 3") })));
        QCOMPARE(str(done, "status"), QStringLiteral("failed"));
        QCOMPARE(errorCode(done), QStringLiteral("exit_code"));
        const QJsonObject result = obj(done, "result");
        QCOMPARE(result.value(QLatin1StringView("exit_code")).toInt(), 3);
        QCOMPARE(str(result, "stdout"), QStringLiteral("out\n"));
        QCOMPARE(str(result, "stderr"), QStringLiteral("err\n"));
    }

    void execCapsStdout_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("error");
        // seq ends by itself (about 590 KB); yes never does and is stopped by its payload timeout.
        QTest::newRow("seq") << execSpec(
            QStringLiteral("/usr/bin/seq"), { QStringLiteral("1"), QStringLiteral("100000") })
                             << QStringLiteral("succeeded") << QString();
        QTest::newRow("yes") << execSpec(QStringLiteral("/usr/bin/yes"), {}, { { QStringLiteral("timeout_ms"), 300 } })
                             << QStringLiteral("failed") << QStringLiteral("timeout");
    }

    void execCapsStdout()
    {
        QFETCH(QJsonObject, spec);
        QFETCH(QString, status);
        QFETCH(QString, error);
        const QJsonObject done = finished(submittedId(spec));
        QCOMPARE(str(done, "status"), status);
        QCOMPARE(errorCode(done), error);
        const QString out = str(obj(done, "result"), "stdout");
        const QString marker = QStringLiteral("\n[output truncated at 65536 bytes]");
        QVERIFY2(out.endsWith(marker), qPrintable(out.right(80)));
        QCOMPARE(out.size(), 65536 + marker.size()); // ASCII output: one character per byte
    }

    void execMissingProgramFails()
    {
        const QJsonObject done
            = finished(submittedId(execSpec(QStringLiteral("/nonexistent/queuelab-no-such-program"))));
        QCOMPARE(str(done, "status"), QStringLiteral("failed"));
        QCOMPARE(errorCode(done), QStringLiteral("exec_failed"));
    }

    void execUsesNoShell()
    {
        const QStringList args = { QStringLiteral("$(echo hi)"), QStringLiteral("`id`"), QStringLiteral("a;b"),
            QStringLiteral("*"), QStringLiteral("$HOME") };
        const QJsonObject done = finished(submittedId(execSpec(QStringLiteral("/bin/echo"), args)));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(obj(done, "result"), "stdout"), args.join(QLatin1Char(' ')) + QLatin1Char('\n'));
    }

    void execIsForbiddenWithoutAllowExec()
    {
        EngineConfig config = baseConfig();
        config.handlers.allowExec = false;
        QVERIFY(restart(config));
        const HttpResult refused = m_http.postJson(QStringLiteral("/jobs"), execSpec(QStringLiteral("/bin/echo")));
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
        QVERIFY2(refused.errorMessage().contains(QStringLiteral("--allow-exec")), qPrintable(refused.errorMessage()));
        const HttpResult batch = m_http.postJson(QStringLiteral("/jobs/batch"),
            { { QStringLiteral("jobs"),
                QJsonArray { jobSpec(QStringLiteral("echo")), execSpec(QStringLiteral("/bin/echo")) } } });
        QCOMPARE(batch.status, 403);
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestExec)
#include "tst_exec.moc"
