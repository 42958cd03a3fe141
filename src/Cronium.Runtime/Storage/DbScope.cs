using System.Data.Common;

namespace Cronium.Runtime.Storage;

/// <summary>
/// The request's unit of work. Stores run each call in its own connection, unless a caller (the idempotency
/// filter) has begun a transaction: then every store call joins it, so the write and its idempotency record
/// commit together or not at all. Work registered with <see cref="AfterCommitAsync"/> (cache updates) runs only
/// once the data is durable.
/// </summary>
internal sealed class DbScope(SqlDialect dialect, WriteTurns turns) : IAsyncDisposable
{
    private DbConnection? connection;
    private DbTransaction? transaction;
    private bool holdsTurn;
    private List<Func<Task>>? afterCommit;

    public bool InTransaction => transaction is not null;

    public async Task BeginAsync(CancellationToken cancellationToken)
    {
        if (transaction is not null) throw new InvalidOperationException("A transaction is already open in this scope.");
        await TakeTurnAsync(cancellationToken);
        try
        {
            connection = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
            transaction = await connection.BeginTransactionAsync(cancellationToken);
        }
        catch
        {
            // A turn kept by a begin that failed (a request cancelled between its turn and its connection, a file
            // that would not open) would stop every later write on SQLite for good.
            await CloseAsync();
            throw;
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await transaction!.CommitAsync(cancellationToken);
        await CloseAsync();
        await RunAfterCommitAsync();
    }

    public async Task RollbackAsync()
    {
        afterCommit = null;
        try
        {
            if (transaction is not null) await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException || StorageErrors.IsUnavailable(e) || e is DbException)
        {
            // The connection broke (a cancelled query, a timeout): the server rolls back on its own; the original error is what matters.
        }
        await CloseAsync();
    }

    /// <summary>Runs now when no transaction is open (the write already committed), else once the transaction commits.</summary>
    public Task AfterCommitAsync(Func<Task> action)
    {
        if (transaction is null) return action();
        (afterCommit ??= []).Add(action);
        return Task.CompletedTask;
    }

    /// <summary>A read: joins the open transaction, or uses a pooled connection of its own.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        if (transaction is not null) return await work(connection!, transaction);
        await using var own = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
        return await work(own, null);
    }

    /// <summary>
    /// A single-statement write: joins the open transaction, or runs on its own connection in autocommit (one round
    /// trip, the row lock held no longer than the statement). Work that needs several statements to be atomic
    /// uses <see cref="TransactionAsync{T}"/>.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        if (transaction is not null) return await work(connection!, transaction);
        await TakeTurnAsync(cancellationToken);
        try
        {
            await using var own = await dialect.DataSource.OpenConnectionAsync(cancellationToken);
            return await work(own, null);
        }
        finally
        {
            ReleaseTurn();
        }
    }

    /// <summary>Several statements that commit together (or joins the open transaction), then the after-commit work.</summary>
    public async Task<T> TransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (transaction is not null) return await work(connection!, transaction);
        await BeginAsync(cancellationToken);
        try
        {
            var result = await work(connection!, transaction!);
            await CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            await RollbackAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null) await RollbackAsync();
        ReleaseTurn();
    }

    private async Task TakeTurnAsync(CancellationToken cancellationToken)
    {
        if (!dialect.SerializeWrites) return;
        await turns.Gate.WaitAsync(cancellationToken);
        holdsTurn = true;
    }

    private async Task CloseAsync()
    {
        try
        {
            if (transaction is not null) await transaction.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
        }
        finally
        {
            transaction = null;
            connection = null;
            ReleaseTurn();
        }
    }

    private void ReleaseTurn()
    {
        if (!holdsTurn) return;
        holdsTurn = false;
        turns.Gate.Release();
    }

    private async Task RunAfterCommitAsync()
    {
        var work = afterCommit;
        afterCommit = null;
        if (work is null) return;
        foreach (var action in work) await action();
    }
}

/// <summary>The single-writer turn for engines that need one (SQLite), shared by every scope.</summary>
internal sealed class WriteTurns
{
    public SemaphoreSlim Gate { get; } = new(1, 1);
}
