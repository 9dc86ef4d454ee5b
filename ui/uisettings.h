#pragma once

#include <QSettings>

// Where the dashboard remembers its layout and the last submit settings.
class UiSettings : public QSettings
{
public:
    UiSettings()
        : QSettings(QStringLiteral("QueueLab"), QStringLiteral("queuelab"))
    { }
};
