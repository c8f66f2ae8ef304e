/** An organization or page that does not exist, or that the user may not see (the same answer on purpose). */
export default function NotFound() {
  return (
    <div className="flex flex-col gap-2">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="text-slate-400">
        There is nothing here, or it belongs to an organization you are not a member of.{' '}
        <a href="/orgs" className="text-sky-300 underline-offset-4 hover:underline">
          Back to your organizations
        </a>
      </p>
    </div>
  );
}
