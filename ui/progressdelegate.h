#pragma once

#include <QStyledItemDelegate>

// Paints a progress bar for cells that have a ProgressRole value (0..1); others paint as usual.
class ProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    static constexpr int ProgressRole = Qt::UserRole + 100;

    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};
