#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstring>
#include <iterator>

// Appends to a QByteArray through a raw cursor, for text written a few bytes at a time (JSON).
// In Qt 6.4 every QByteArray::append() is an out-of-line call, and appending a view goes through
// insert(), which made a job's JSON a large share of a POST /jobs.
// The array grows ahead of the cursor and is cut back to what was written when the writer goes.
class ByteWriter
{
public:
    explicit ByteWriter(QByteArray& out)
        : m_out(out)
        , m_size(out.size())
        , m_end(out.size())
    { }
    ~ByteWriter() { m_out.resize(m_size); }
    ByteWriter(const ByteWriter&) = delete;
    ByteWriter& operator=(const ByteWriter&) = delete;

    qsizetype size() const { return m_size; } // of the array once the writer goes

    void put(char c)
    {
        if (m_size == m_end)
            grow(1);
        m_data[m_size++] = c;
    }
    void put(const char* bytes, qsizetype count)
    {
        if (m_end - m_size < count)
            grow(count);
        std::memcpy(m_data + m_size, bytes, size_t(count));
        m_size += count;
    }
    template <qsizetype N> void put(const char (&literal)[N]) { put(literal, N - 1); }
    void put(QByteArrayView bytes) { put(bytes.data(), bytes.size()); }
    void putDecimal(qint64 value)
    {
        char digits[20];
        char* first = std::end(digits);
        quint64 rest = value < 0 ? quint64(0) - quint64(value) : quint64(value);
        do {
            *--first = char('0' + rest % 10);
            rest /= 10;
        } while (rest);
        if (value < 0)
            put('-');
        put(first, std::end(digits) - first);
    }

private:
    void grow(qsizetype count)
    {
        // The capacity reserved by the caller first, then doubling.
        m_out.resize(qMax(m_size + count, qMax(m_out.capacity(), 2 * m_out.size())));
        m_data = m_out.data();
        m_end = m_out.size();
    }

    QByteArray& m_out;
    char* m_data = nullptr;
    qsizetype m_size; // written so far: the array's size once the writer goes
    qsizetype m_end; // bytes the array holds, written or not
};
