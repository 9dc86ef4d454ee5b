#include "queuelabprocess.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>

// The generated manual page against the real binary: it must list exactly the flags that
// `queuelab --help` lists, and come from this build's version.
class TestManPage : public QObject
{
    Q_OBJECT
private:
    static QByteArray run(const QString& flag)
    {
        QProcess process;
        process.start(QueueLabProcess::binary(), { flag });
        if (!process.waitForFinished(15000) || process.exitCode() != 0)
            return {};
        return process.readAllStandardOutput();
    }

    static QString manPage()
    {
        QFile file(qEnvironmentVariable("QUEUELAB_MANPAGE"));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        // roff text: "\-" is a hyphen, "\fB" and the like switch fonts.
        static const QRegularExpression fonts(QStringLiteral("\\\\f[BIRP]"));
        return QString::fromUtf8(file.readAll()).replace(QStringLiteral("\\-"), QStringLiteral("-")).remove(fonts);
    }

    static QStringList longFlags(const QString& text)
    {
        static const QRegularExpression flag(QStringLiteral("(?<![\\w-])--[a-z][a-z-]*[a-z]"));
        QSet<QString> flags;
        for (const auto& match : flag.globalMatch(text))
            flags.insert(match.captured());
        QStringList sorted(flags.cbegin(), flags.cend());
        sorted.sort();
        return sorted;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!QueueLabProcess::binary().isEmpty(), "QUEUELAB_BINARY is set by ctest");
        QVERIFY2(!manPage().isEmpty(), "QUEUELAB_MANPAGE names the generated page (set by ctest)");
    }

    void listsTheSameFlagsAsHelp()
    {
        const QStringList help = longFlags(QString::fromUtf8(run(QStringLiteral("--help"))));
        QVERIFY2(help.contains(QStringLiteral("--headless")), "--help lists the flags");
        const QStringList page = longFlags(manPage());
        QStringList onlyInHelp, onlyInPage;
        for (const QString& flag : help) {
            if (!page.contains(flag))
                onlyInHelp.append(flag);
        }
        for (const QString& flag : page) {
            if (!help.contains(flag))
                onlyInPage.append(flag);
        }
        QVERIFY2(onlyInHelp.isEmpty() && onlyInPage.isEmpty(),
            qPrintable(QStringLiteral("only in --help: %1; only in the man page: %2")
                           .arg(onlyInHelp.join(QLatin1Char(' ')), onlyInPage.join(QLatin1Char(' ')))));
    }

    void isThisBuildsVersion()
    {
        const QString version = QString::fromUtf8(run(QStringLiteral("--version"))).trimmed();
        QVERIFY(!version.isEmpty());
        static const QRegularExpression title(QStringLiteral("^\\.TH .*$"), QRegularExpression::MultilineOption);
        const QString th = title.match(manPage()).captured();
        QVERIFY2(th.contains(QLatin1Char('"') + version + QLatin1Char('"')), qPrintable(th));
    }
};

QTEST_GUILESS_MAIN(TestManPage)
#include "tst_manpage.moc"
