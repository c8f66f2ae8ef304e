import { DataTable, Row } from '../../../../src/components/table';
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
      <DataTable columns={['Name', 'Email', 'Role']}>
        {members.map((m) => (
          <Row key={m.email}>
            <td className="py-2">{m.name ?? '—'}</td>
            <td className="py-2 text-slate-300">{m.email}</td>
            <td className="py-2 capitalize text-slate-300">
              {canManage ? <RoleSelect orgSlug={slug} email={m.email} role={m.role} /> : m.role.toLowerCase()}
            </td>
          </Row>
        ))}
      </DataTable>
      {canManage ? <InviteMember orgSlug={slug} /> : null}
    </main>
  );
}
