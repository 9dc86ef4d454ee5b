#pragma once

#include <QByteArray>
#include <QString>

// Where JobRow puts the values of a row: positions count from 0.
class RowBinder
{
public:
    virtual ~RowBinder() = default;
    virtual void bindInt(int index, qint64 value) = 0;
    virtual void bindReal(int index, double value) = 0;
    // `value` must stay alive until the statement ran.
    virtual void bindText(int index, const QString& value) = 0;
    // UTF-8 text, kept by the binder until the statement ran; a null array binds NULL.
    virtual void bindUtf8(int index, QByteArray value) = 0;
    virtual void bindNull(int index) = 0;
};
