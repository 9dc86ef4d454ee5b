#pragma once

#include <QByteArrayView>

// Case-insensitive comparison of ASCII text: header names, media types, auth schemes. Qt's
// compare(..., Qt::CaseInsensitive) folds Latin-1 through a table, one call per byte, on the
// HTTP thread's path for every request. For the same reason, where one
// side is ASCII the answers are the same: Latin-1 folding never turns a byte into ASCII.
namespace AsciiCase {

inline char toLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c;
}

inline bool equal(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (toLower(a[i]) != toLower(b[i]))
            return false;
    }
    return true;
}

} // namespace AsciiCase
