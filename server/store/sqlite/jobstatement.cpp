#include "jobstatement.h"

bool JobStatement::run()
{
    const bool ok = SqliteStatement::run();
    m_utf8.clear();
    return ok;
}

void JobStatement::bindUtf8(int index, QByteArray value)
{
    if (value.isNull()) {
        bindNull(index);
        return;
    }
    SqliteStatement::bindUtf8(index, value);
    m_utf8.append(std::move(value)); // the data pointer stays valid: the array is not modified
}
