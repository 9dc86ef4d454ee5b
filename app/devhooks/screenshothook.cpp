#include "screenshothook.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QPixmap>
#include <QTimer>

ScreenshotHook::ScreenshotHook(QWidget* window, const QString& path, int delayMs, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_path(path)
{
    QTimer::singleShot(delayMs, this, &ScreenshotHook::capture);
}

ScreenshotHook* ScreenshotHook::installFromEnvironment(QWidget* window)
{
    const QString path = qEnvironmentVariable("QUEUELAB_SCREENSHOT");
    if (path.isEmpty())
        return nullptr;
    bool ok = false;
    int delayMs = qEnvironmentVariableIntValue("QUEUELAB_SCREENSHOT_DELAY_MS", &ok);
    if (!ok || delayMs < 0)
        delayMs = 5000;
    return new ScreenshotHook(window, path, delayMs, window);
}

void ScreenshotHook::capture()
{
    bool ok = false;
    if (m_window) {
        QDir().mkpath(QFileInfo(m_path).absolutePath());
        ok = m_window->grab().save(m_path, "PNG");
    }
    if (!ok)
        qWarning("Could not save the screenshot to %s", qPrintable(m_path));
    Q_EMIT captured(m_path, ok);
    // exit(), not quit(): quit() would ask the window to close, which may prompt about running jobs.
    QCoreApplication::exit(ok ? 0 : 1);
}
