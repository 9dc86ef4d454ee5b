#pragma once

#include <QObject>
#include <QPointer>
#include <QWidget>

// Grabs a window into a PNG after a delay and ends the event loop: how tools/screenshot.sh
// renders the dashboard under load without a person at the screen.
class ScreenshotHook : public QObject
{
    Q_OBJECT
public:
    ScreenshotHook(QWidget* window, const QString& path, int delayMs, QObject* parent = nullptr);

    // With QUEUELAB_SCREENSHOT=/path.png set (and optionally QUEUELAB_SCREENSHOT_DELAY_MS, default
    // 5000): a hook owned by `window`. nullptr otherwise.
    static ScreenshotHook* installFromEnvironment(QWidget* window);

Q_SIGNALS:
    void captured(const QString& path, bool ok);

private:
    void capture();

    // set at construction, immutable
    QPointer<QWidget> m_window;
    const QString m_path;
};
