#include "enginetesting.h"
#include "faultbanner.h"
#include "faulteditor.h"
#include "mainwindow.h"
#include "server.h"
#include "testhttp.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

// The fault banner and editor, offscreen, on a real window with a real engine and server: a
// fault switched on through the API shows in the banner, the banner turns it off, and the
// editor's form switches one on that the API lists.
class TestFaultsUi : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<MainWindow> m_window;
    TestHttp m_http;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings(u"QueueLab"_s, u"queuelab"_s).clear();
    }
    void init()
    {
        EngineConfig config;
        config.workers = 1;
        m_engine = std::make_unique<Engine>(config, std::make_unique<MemoryJobStore>(1000));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
        m_window = std::make_unique<MainWindow>(m_server.get());
        m_window->show();
    }
    void cleanup()
    {
        m_window.reset();
        m_server.reset();
        m_engine.reset();
    }

    void theBannerShowsFaultsAndTurnsThemOff()
    {
        FaultBanner* banner = m_window->faultBanner();
        QVERIFY(!banner->isVisible());
        const HttpResult added = m_http.postJson(u"/faults"_s,
            { { u"kind"_s, u"fail_attempts"_s }, { u"queue"_s, u"mail"_s }, { u"percent"_s, 30 },
                { u"duration_ms"_s, 60000 } });
        QCOMPARE(added.status, 201);
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(u"fail_attempts 30 %"_s), qPrintable(banner->text()));
        QVERIFY(banner->text().contains(u"queue mail"_s));
        QVERIFY(banner->text().contains(u"until"_s));

        banner->turnOffButton()->click();
        QVERIFY(m_engine->faults().isEmpty());
        QCOMPARE(m_http.get(u"/faults"_s).json()["faults"_L1].toArray().size(), 0);
        QTRY_VERIFY(!banner->isVisible());
    }

    void theEditorSwitchesAFaultOnAndOff()
    {
        m_window->faultsAction()->trigger();
        FaultEditor* editor = m_window->faultEditor();
        QTRY_VERIFY(editor->isVisible());
        editor->kindBox()->setCurrentIndex(editor->kindBox()->findText(u"run_latency"_s));
        QVERIFY(editor->typeEdit()->isEnabled());
        editor->typeEdit()->setText(u"echo"_s);
        editor->percentBox()->setValue(50);
        editor->durationBox()->setValue(90);
        editor->addButton()->click();

        const QJsonArray listed = m_http.get(u"/faults"_s).json()["faults"_L1].toArray();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed[0]["kind"_L1].toString(), u"run_latency"_s);
        QCOMPARE(listed[0]["job_type"_L1].toString(), u"echo"_s);
        QCOMPARE(listed[0]["percent"_L1].toDouble(), 50.0);
        QCOMPARE(listed[0]["duration_ms"_L1].toInteger(), 90000);
        QTRY_COMPARE(editor->faultList()->count(), 1); // the list follows the next snapshot
        QTRY_VERIFY(m_window->faultBanner()->isVisible());

        // A field the kind does not take is disabled; a bad value shows the engine's message.
        editor->kindBox()->setCurrentIndex(editor->kindBox()->findText(u"drop_worker"_s));
        QVERIFY(!editor->queueEdit()->isEnabled());
        QVERIFY(!editor->addFault());
        QVERIFY2(editor->messageLabel()->text().startsWith(u"worker"_s), qPrintable(editor->messageLabel()->text()));

        editor->faultList()->setCurrentRow(0);
        editor->removeButton()->click();
        QCOMPARE(editor->faultList()->count(), 0);
        QVERIFY(m_engine->faults().isEmpty());
        QTRY_VERIFY(!m_window->faultBanner()->isVisible());
    }
};

QTEST_MAIN(TestFaultsUi)
#include "tst_faultsui.moc"
