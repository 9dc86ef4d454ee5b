#include "httprequest.h"

#include <QUrl>

#include <utility>

namespace {

QString pathOf(const QByteArray& target)
{
    // The common case, a plain path, without QUrl's full parse.
    const bool plain = target.startsWith('/') && !target.startsWith("//") && !target.contains('%')
        && !target.contains('?') && !target.contains('#');
    if (plain)
        return QString::fromLatin1(target); // the framer let only visible ASCII through
    return QUrl::fromEncoded(target).path();
}

QHttpServerRequest::Method methodOf(const QByteArray& method)
{
    using Method = QHttpServerRequest::Method;
    static const std::pair<const char*, Method> methods[] = { { "GET", Method::Get }, { "POST", Method::Post },
        { "HEAD", Method::Head }, { "PUT", Method::Put }, { "DELETE", Method::Delete }, { "PATCH", Method::Patch },
        { "OPTIONS", Method::Options }, { "CONNECT", Method::Connect }, { "TRACE", Method::Trace } };
    for (const auto& [name, value] : methods) {
        if (method == name)
            return value;
    }
    return Method::Unknown;
}

} // namespace

HttpRequest::HttpRequest(RequestHead head, QByteArray body)
    : head(std::move(head))
    , body(std::move(body))
    , method(methodOf(this->head.method))
    , path(pathOf(this->head.target))
{ }
