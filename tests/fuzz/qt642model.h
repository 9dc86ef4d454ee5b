#pragma once

// How QHttpServer 6.4.2 frames one request, transcribed from its source (tag v6.4.2:
// src/httpserver/qhttpserverrequest.cpp readRequestLine/parseRequestLine/readHeader/
// contentLength, and qtbase 6.4 QHttpHeaderParser::parseHeaders). RequestFramer must find
// the same boundaries and Content-Length for every request it lets through; the tests and
// the fuzzer check that against this model.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Qt642Model {

struct Frame
{
    enum Result { Incomplete, Failed, Complete };
    Result result = Incomplete;
    qsizetype end = 0; // after the body
    qint64 contentLength = -1; // what contentLength() returns
    bool headersParsed = false; // QHttpHeaderParser::parseHeaders() succeeded (else: no headers at all!)
    bool chunked = false;
    bool websocket = false; // the upgrade branch of handleReadyRead would be taken
};

inline bool parseRequestLine(QByteArrayView line)
{
    auto i = line.indexOf(' ');
    if (i == -1)
        return false;
    i++;
    while (i < line.size() && line[i] == ' ')
        i++;
    auto j = line.indexOf(' ', i);
    if (j == -1)
        return false;
    i = j + 1;
    while (i < line.size() && line[i] == ' ')
        i++;
    if (i >= line.size())
        return false;
    j = line.indexOf(' ', i);
    const auto protocol = j == -1 ? line.sliced(i) : line.sliced(i, j - i);
    return protocol.size() == 8 && protocol.startsWith("HTTP");
}

inline bool fieldNameCheck(QByteArrayView name)
{
    static constexpr QByteArrayView otherCharacters("!#$%&'*+-.^_`|~");
    for (const char c : name) {
        if (!(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
                || otherCharacters.contains(c)))
            return false;
    }
    return name.size() > 0;
}

inline bool parseHeaders(QByteArrayView header, QList<QPair<QByteArray, QByteArray>>* fields)
{
    const auto hSpaceStart = [](QByteArrayView h) { return h.startsWith(' ') || h.startsWith('\t'); };
    if (hSpaceStart(header) || (header.size() && !header.endsWith('\n')))
        return false;
    while (int tail = header.endsWith("\n\r\n") ? 2 : header.endsWith("\n\n") ? 1 : 0)
        header.chop(tail);
    QList<QPair<QByteArray, QByteArray>> result;
    while (header.size()) {
        const auto colon = header.indexOf(':');
        if (colon == -1)
            return result.size() == 0 && (header == "\n" || header == "\r\n");
        if (result.size() >= 100)
            return false;
        QByteArrayView name = header.first(colon);
        if (!fieldNameCheck(name))
            return false;
        header = header.sliced(colon + 1);
        QByteArray value;
        qsizetype valueSpace = 8 * 1024 - name.size() - 1;
        do {
            const auto endLine = header.indexOf('\n');
            if (endLine == -1)
                return false; // Q_ASSERT in Qt
            auto line = header.first(endLine);
            valueSpace -= line.size() - (line.endsWith('\r') ? 1 : 0);
            if (valueSpace < 0)
                return false;
            line = line.trimmed();
            if (line.size()) {
                if (value.size())
                    value += ' ';
                value += line.toByteArray();
            }
            header = header.sliced(endLine + 1);
        } while (hSpaceStart(header));
        result.append(qMakePair(name.toByteArray(), value));
    }
    *fields = result;
    return true;
}

inline QList<QByteArray> values(const QList<QPair<QByteArray, QByteArray>>& fields, const QByteArray& name)
{
    QList<QByteArray> result;
    for (const auto& field : fields) {
        if (name.compare(field.first, Qt::CaseInsensitive) == 0)
            result += field.second;
    }
    return result;
}

// Frames the request that starts at `pos` (leftover whitespace included).
inline Frame frame(QByteArrayView data, qsizetype pos)
{
    Frame frame;
    // readRequestLine: whitespace before a request line is skipped
    qsizetype i = pos;
    while (
        i < data.size() && (data[i] == '\v' || data[i] == '\n' || data[i] == '\r' || data[i] == ' ' || data[i] == '\t'))
        ++i;
    const qsizetype lf = data.indexOf('\n', i);
    if (lf < 0)
        return frame;
    QByteArrayView line = data.sliced(i, lf - i);
    if (line.endsWith('\r'))
        line.chop(1);
    if (!parseRequestLine(line)) {
        frame.result = Frame::Failed;
        return frame;
    }
    // readHeader: up to "\n\r\n" or "\n\n", or an immediately empty line
    const qsizetype start = lf + 1;
    qsizetype headEnd = -1;
    for (qsizetype j = start; j < data.size() && headEnd < 0; ++j) {
        if (data[j] != '\n')
            continue;
        const QByteArrayView fragment = data.sliced(start, j + 1 - start);
        if (fragment.endsWith("\n\r\n") || fragment.endsWith("\n\n") || fragment == "\r\n" || fragment == "\n")
            headEnd = j + 1;
    }
    if (headEnd < 0)
        return frame;
    QList<QPair<QByteArray, QByteArray>> fields;
    frame.headersParsed = parseHeaders(data.sliced(start, headEnd - start), &fields);
    const QList<QByteArray> lengths = values(fields, "content-length");
    bool ok = false;
    const qint64 length = lengths.isEmpty() ? 0 : qint64(lengths.first().toULongLong(&ok));
    frame.contentLength = ok ? length : -1;
    frame.chunked = values(fields, "transfer-encoding").join(", ").toLower().contains("chunked");
    const bool upgrade = values(fields, "connection").join(", ").toLower().contains("upgrade");
    frame.websocket = upgrade && values(fields, "upgrade").join(", ").compare("websocket", Qt::CaseInsensitive) == 0;
    const qint64 body = frame.contentLength > 0 ? frame.contentLength : 0;
    if (frame.chunked || headEnd + body > data.size())
        return frame; // chunked bodies are not modelled: the framer refuses them
    frame.result = Frame::Complete;
    frame.end = headEnd + body;
    return frame;
}

} // namespace Qt642Model
