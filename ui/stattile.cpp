#include "stattile.h"

#include <QLabel>
#include <QVBoxLayout>

StatTile::StatTile(const QString& title, const QColor& accent, QWidget* parent)
    : QFrame(parent)
    , m_value(new QLabel(QStringLiteral("–"), this))
    , m_caption(new QLabel(this))
{
    setObjectName(QStringLiteral("statTile"));
    setFrameShape(QFrame::StyledPanel);
    // A coloured bar on the left ties the tile to its status colour in the job table.
    setStyleSheet(QStringLiteral("#statTile { border: 1px solid palette(mid); border-left: 4px solid %1;"
                                 " border-radius: 4px; background: palette(base); }")
                      .arg(accent.name()));

    auto* titleLabel = new QLabel(title.toUpper(), this);
    QFont titleFont = titleLabel->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 0.8);
    titleFont.setBold(true);
    titleLabel->setFont(titleFont);
    titleLabel->setForegroundRole(QPalette::PlaceholderText);

    QFont valueFont = m_value->font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 1.7);
    m_value->setFont(valueFont);

    QFont captionFont = m_caption->font();
    captionFont.setPointSizeF(captionFont.pointSizeF() * 0.85);
    m_caption->setFont(captionFont);
    // Narrow windows wrap a caption onto a second line rather than cutting it off; every tile
    // keeps room for two, so that the row does not change height with the texts.
    m_caption->setWordWrap(true);
    m_caption->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_caption->setMinimumHeight(2 * QFontMetrics(captionFont).lineSpacing());
    m_caption->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 4, 10, 4);
    layout->setSpacing(0);
    layout->addWidget(titleLabel);
    layout->addWidget(m_value);
    layout->addWidget(m_caption);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(title);
}

void StatTile::setToolTip(const QString& text)
{
    QFrame::setToolTip(text);
    setAccessibleDescription(text);
}

void StatTile::setValue(const QString& value)
{
    m_value->setText(value);
}

void StatTile::setCaption(const QString& caption)
{
    m_caption->setText(caption);
}

QString StatTile::value() const
{
    return m_value->text();
}

QString StatTile::caption() const
{
    return m_caption->text();
}
