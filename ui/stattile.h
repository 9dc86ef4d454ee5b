#pragma once

#include <QFrame>

class QLabel;

// One figure of the overview: a small title, a large value, and a caption below it.
class StatTile : public QFrame
{
    Q_OBJECT
public:
    StatTile(const QString& title, const QColor& accent, QWidget* parent = nullptr);

    void setValue(const QString& value);
    void setCaption(const QString& caption);
    void setToolTip(const QString& text); // also the accessible description
    QString value() const;
    QString caption() const;

private:
    QLabel* m_value;
    QLabel* m_caption;
};
