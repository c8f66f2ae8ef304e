import { serverCaller } from '../../../../src/server';
import { InviteMember } from './invite-member';
import { RoleSelect } from './role-select';

export const dynamic = 'force-dynamic';

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const caller = await serverCaller();
  const [org, members] = await Promise.all([
    caller.org.get({ orgSlug: slug }),
    caller.org.members({ orgSlug: slug }),
  ]);
  const canManage = org.role === 'OWNER' || org.role === 'ADMIN';
  return (
    <main className="flex flex-col gap-8">
      <h1 className="text-3xl font-semibold tracking-tight">Members</h1>
      <table className="w-full text-left text-sm">
        <thead className="text-slate-500">
          <tr>
            <th className="py-2 font-medium">Name</th>
            <th className="py-2 font-medium">Email</th>
            <th className="py-2 font-medium">Role</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.email} className="border-t border-slate-800">
              <td className="py-2">{m.name ?? '—'}</td>
              <td className="py-2 text-slate-300">{m.email}</td>
              <td className="py-2 capitalize text-slate-300">
                {canManage ? (
                  <RoleSelect orgSlug={slug} email={m.email} role={m.role} />
                ) : (
                  m.role.toLowerCase()
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canManage ? <InviteMember orgSlug={slug} /> : null}
    </main>
  );
}
