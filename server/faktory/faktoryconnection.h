#pragma once

#include "faktorycommand.h"
#include "faktoryleases.h"
#include "faktorypassword.h"
#include "workers.h"

#include <QByteArray>
#include <QObject>

class Engine;
class FaktoryService;
class QTcpSocket;

// One client of the Faktory work protocol, on the Faktory thread: reads command lines, answers
// each in RESP, one command at a time (a FETCH's wait or a PUSH's commit holds the next line back,
// as the protocol has one answer per command, in order). Bad input gets -ERR and the close.
class FaktoryConnection : public QObject
{
    Q_OBJECT
public:
    FaktoryConnection(QTcpSocket* socket, FaktoryService* service);
    ~FaktoryConnection() override;

    // Closes from the server's side (the listener closes); pending answers are dropped.
    void close();
    QString workerId() const { return m_registration.id; }

Q_SIGNALS:
    void finished(FaktoryConnection* connection);

private:
    void readCommands();
    void dispatch(const FaktoryCommand& command);
    void hello(const FaktoryCommand& command);
    void push(const FaktoryCommand& command);
    void pushBatch(const FaktoryCommand& command);
    void fetch(const FaktoryCommand& command);
    void ack(const FaktoryCommand& command);
    void fail(const FaktoryCommand& command);
    void beat(const FaktoryCommand& command);
    void info(const FaktoryCommand& command);

    // The lease FETCH gave for `jid`, taken out of the table; nullopt once the error is sent.
    std::optional<FaktoryLeases::Held> heldLease(const QString& jid);
    void send(const QByteArray& answer);
    void answerLater(); // the command's answer comes from a callback
    void answered(const QByteArray& answer); // that callback
    void refuse(const QString& message); // -ERR, then close: the stream cannot be trusted further
    bool noArgument(const FaktoryCommand& command);
    void disconnected();

    QTcpSocket* m_socket;
    FaktoryService* m_service;
    Engine* m_engine; // outlives the service, which may be mid-destruction when this goes
    QByteArray m_buffer;
    FaktoryChallenge m_challenge;
    WorkerRegistration m_registration; // a consumer's HELLO; empty id for a producer
    quint64 m_leaseWait = 0; // a FETCH's wait in the engine, cancelled if the client goes
    bool m_identified = false;
    bool m_waiting = false; // a command's answer is pending
    bool m_closing = false;
};
